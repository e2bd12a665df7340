import { REMOTE_WRITE_DEFAULTS as DEFAULT_REMOTE_WRITE_MAPPING } from '../sources/telemetry-config';
import { mapRemoteWrite } from './remote-write-mapping';

const T = 1796690000000;
const window = { oldest: T - 3_600_000, newest: T + 3_600_000 };
const STALE = Buffer.from('7ff0000000000002', 'hex').readDoubleBE(0);

function series(name: string, labels: Record<string, string>, samples: [number, number][]) {
  return {
    labels: [
      { name: '__name__', value: name },
      ...Object.entries(labels).map(([k, v]) => ({ name: k, value: v })),
    ],
    samples: samples.map(([value, timestamp]) => ({ value, timestamp })),
  };
}

describe('remote write mapping', () => {
  it('merges the metrics of one node at one instant into one point', () => {
    const { points, counts } = mapRemoteWrite(
      [
        series('netorch:latency_ms', { node: 'leaf-01' }, [[1.5, T]]),
        series('netorch:throughput_gbps', { node: 'leaf-01' }, [
          [9, T],
          [8, T + 1000],
        ]),
        series('netorch:error_rate', { node: 'leaf-02' }, [[0.5, T]]),
      ],
      DEFAULT_REMOTE_WRITE_MAPPING,
      window,
    );
    expect(points).toEqual([
      { node: 'leaf-01', timestamp: T, values: [1.5, 9, null] },
      { node: 'leaf-01', timestamp: T + 1000, values: [null, 8, null] },
      { node: 'leaf-02', timestamp: T, values: [null, null, 0.5] },
    ]);
    expect(counts).toEqual({ ignored_series: 0, stale: 0, invalid: 0, out_of_window: 0 });
  });

  it('counts other series and series without the node label, keeps nothing of them', () => {
    const { points, counts } = mapRemoteWrite(
      [
        series('up', { node: 'leaf-01' }, [
          [1, T],
          [1, T + 1000],
        ]),
        series('netorch:latency_ms', { instance: 'leaf-01:9100' }, [[2, T]]),
        series('netorch:latency_ms', { node: '' }, [[2, T]]),
      ],
      DEFAULT_REMOTE_WRITE_MAPPING,
      window,
    );
    expect(points).toEqual([]);
    expect(counts.ignored_series).toBe(4);
  });

  it('drops stale markers, bad values and instants outside the window, each counted', () => {
    const { points, counts } = mapRemoteWrite(
      [
        series('netorch:latency_ms', { node: 'a' }, [
          [STALE, T],
          [-1, T + 1],
          [Infinity, T + 2],
          [3, T - 7_200_000],
          [4, T + 7_200_000],
          [5, T + 3],
        ]),
        series('netorch:error_rate', { node: 'a' }, [
          [100.5, T],
          [100, T + 3],
        ]),
      ],
      DEFAULT_REMOTE_WRITE_MAPPING,
      window,
    );
    expect(points).toEqual([{ node: 'a', timestamp: T + 3, values: [5, null, 100] }]);
    expect(counts).toEqual({ ignored_series: 0, stale: 1, invalid: 3, out_of_window: 2 });
  });

  it('follows a mapping of its own: another node label, only the metrics it names', () => {
    const { points, counts } = mapRemoteWrite(
      [
        series('fabric_rtt_ms', { switch: 'spine-1' }, [[0.8, T]]),
        series('netorch:latency_ms', { switch: 'spine-1' }, [[1, T]]),
      ],
      { node_label: 'switch', metrics: { latency_ms: 'fabric_rtt_ms' } },
      window,
    );
    expect(points).toEqual([{ node: 'spine-1', timestamp: T, values: [0.8, null, null] }]);
    expect(counts.ignored_series).toBe(1);
  });
});
