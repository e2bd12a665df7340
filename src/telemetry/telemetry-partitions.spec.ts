import { dailyPartition, partitionDay, partitionsCovering } from './telemetry-partitions';

describe('telemetry partitions', () => {
  it('names the UTC day that holds an instant', () => {
    const p = dailyPartition(new Date('2026-11-27T23:59:59.999+00:00'));
    expect(p.name).toBe('telemetry_samples_p20261127');
    expect(p.from.toISOString()).toBe('2026-11-27T00:00:00.000Z');
    expect(p.to.toISOString()).toBe('2026-11-28T00:00:00.000Z');
    expect(dailyPartition(new Date('2026-11-28T01:00:00+02:00')).name).toBe(
      'telemetry_samples_p20261127',
    );
  });

  it('covers a range with consecutive days', () => {
    const days = partitionsCovering(
      new Date('2026-12-30T12:00:00Z'),
      new Date('2027-01-02T00:00:00Z'),
    );
    expect(days.map((d) => d.name)).toEqual([
      'telemetry_samples_p20261230',
      'telemetry_samples_p20261231',
      'telemetry_samples_p20270101',
      'telemetry_samples_p20270102',
    ]);
  });

  it('reads the day back from a name', () => {
    expect(partitionDay('telemetry_samples_p20261127')?.toISOString()).toBe(
      '2026-11-27T00:00:00.000Z',
    );
    expect(partitionDay('telemetry_samples')).toBeNull();
  });
});
