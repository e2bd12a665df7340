import { isDue } from './telemetry-config';
import { normalizeTelemetry } from './normalize-telemetry';
import { TelemetrySourceName } from './telemetry-config';

describe('isDue', () => {
  it('collects on every tick without an interval or with one shorter than the tick', () => {
    expect(isDue(12_345, 5_000, null)).toBe(true);
    expect(isDue(12_345, 5_000, 1_000)).toBe(true);
  });

  it('collects once per interval: on the tick whose period holds the boundary', () => {
    const due = [];
    for (let t = 1_000; t <= 60_000; t += 1_000) if (isDue(t, 1_000, 10_000)) due.push(t);
    expect(due).toEqual([10_000, 20_000, 30_000, 40_000, 50_000, 60_000]);
  });

  it('still collects once per interval when ticks do not fall on its boundaries', () => {
    const due = [];
    for (let t = 1_000; t <= 31_000; t += 700) if (isDue(t, 700, 10_000)) due.push(t);
    expect(due).toEqual([10_100, 20_600, 30_400]);
  });
});

describe('normalizeTelemetry', () => {
  it('fills the SNMP defaults', () => {
    expect(
      normalizeTelemetry({ source: TelemetrySourceName.SNMP, snmp: { credential: 3 } }),
    ).toEqual({
      source: 'snmp',
      interval_seconds: null,
      snmp: { credential: 3, port: 161, interfaces: null, timeout_ms: 1000, retries: 1 },
    });
  });

  it('names a bad regular expression', () => {
    expect(() =>
      normalizeTelemetry({
        source: TelemetrySourceName.SNMP,
        snmp: { credential: 3, interfaces: '[' },
      }),
    ).toThrow('telemetry.snmp.interfaces is not a regular expression');
  });
});
