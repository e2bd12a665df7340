import { telemetryFileParser as p } from './telemetry-file.parser';

const CSV = `node_id,timestamp,latency_ms,throughput_gbps,error_rate
17,2026-11-27T10:00:05Z,9.73,9.41,0.12

18,,12,8.5,0
`;

describe('telemetryFileParser', () => {
  it('reads CSV rows by header, skipping blank lines, leaving an empty timestamp out', () => {
    expect(p.parse(CSV, 'csv')).toEqual([
      {
        node_id: 17,
        timestamp: '2026-11-27T10:00:05Z',
        latency_ms: 9.73,
        throughput_gbps: 9.41,
        error_rate: 0.12,
      },
      { node_id: 18, latency_ms: 12, throughput_gbps: 8.5, error_rate: 0 },
    ]);
  });

  it('names the CSV line of a bad value and an unknown column', () => {
    expect(() => p.parse(CSV.replace('12,8.5', 'fast,8.5'), 'csv')).toThrow(
      'line 4: latency_ms "fast" is not a number',
    );
    expect(() => p.parse('node_id,latency,throughput_gbps,error_rate\n1,2,3,4\n', 'csv')).toThrow(
      /unknown CSV column latency/,
    );
  });

  it('reads a JSON array or {"samples": [...]}', () => {
    const sample = { node_id: 3, latency_ms: 1, throughput_gbps: 2, error_rate: 0 };
    expect(p.parse(JSON.stringify([sample]), 'json')).toEqual([sample]);
    expect(p.parse(JSON.stringify({ samples: [sample, sample] }), 'json')).toHaveLength(2);
  });

  it('names the JSON sample that is wrong', () => {
    const good = { node_id: 3, latency_ms: 1, throughput_gbps: 2, error_rate: 0 };
    expect(() => p.parse(JSON.stringify([good, { ...good, node_id: 2.5 }]), 'json')).toThrow(
      'sample 2: node_id 2.5 is not an integer id',
    );
    expect(() => p.parse(JSON.stringify([good, { node_id: 1 }]), 'json')).toThrow(
      'sample 2: latency_ms is missing',
    );
    expect(() => p.parse('{"samples": 3}', 'json')).toThrow(/expected a JSON array/);
    expect(() => p.parse('[', 'json')).toThrow(/^not valid JSON/);
    expect(() => p.parse('[]', 'json')).toThrow('the file holds no samples');
  });

  it('takes the format from --format, else from the file name', () => {
    expect(p.formatOf('samples.CSV')).toBe('csv');
    expect(p.formatOf('samples.txt', 'json')).toBe('json');
    expect(() => p.formatOf('samples.txt')).toThrow(/pass --format csv\|json/);
    expect(() => p.formatOf('samples.csv', 'xml')).toThrow('unknown format "xml"; use csv or json');
  });
});
