import type { BottlenecksResponse } from '../analytics/dto/bottlenecks.response';
import { atThreshold } from './detection-threshold';

const node = (id: number, zl: number, zt: number) => ({
  node_id: id,
  node_identifier: `node-${id}`,
  deployment_id: 1,
  latency_ms: 1,
  throughput_gbps: 1,
  error_rate: 0,
  deviation_score: 0.4 * zl + 0.4 * zt,
  timestamp: '2026-11-27T10:00:00.000Z',
  samples: 3,
  metrics: {
    latency_ms: { value: 1, baseline: 1, z: zl, triggered: zl >= 2 },
    throughput_gbps: { value: 1, baseline: 1, z: zt, triggered: zt >= 2 },
    error_rate: { value: 0, baseline: 0, z: 0, triggered: false },
  },
});

describe('atThreshold', () => {
  const result = {
    threshold: 2,
    total_bottlenecks: 3,
    bottlenecks: [node(1, 5, 0), node(2, 2.5, 3.1), node(3, 2.1, 0)],
  } as unknown as BottlenecksResponse;

  it('keeps the nodes whose z reaches the higher threshold, marking what triggers there', () => {
    const at3 = atThreshold(result, 3)!;
    expect(at3.bottlenecks.map((b) => b.node_id)).toEqual([1, 2]);
    expect(at3.total_bottlenecks).toBe(2);
    expect(at3.bottlenecks[1].metrics.latency_ms.triggered).toBe(false);
    expect(at3.bottlenecks[1].metrics.throughput_gbps.triggered).toBe(true);
    expect(at3.bottlenecks[1].deviation_score).toBe(result.bottlenecks[1].deviation_score);
  });

  it('returns the same answer at its own threshold, and null for a missing deployment', () => {
    expect(atThreshold(result, 2)).toBe(result);
    expect(atThreshold(null, 3)).toBeNull();
  });

  it('never lets a metric the node has no samples of (z null) reach a threshold', () => {
    const noLatency = node(4, 0, 2.5);
    noLatency.metrics.latency_ms = { value: null, baseline: 1, z: null, triggered: false } as never;
    const mixed = { ...result, bottlenecks: [noLatency] } as unknown as BottlenecksResponse;
    expect(atThreshold(mixed, 3)!.bottlenecks).toEqual([]);
    const at2_5 = atThreshold(mixed, 2.5)!;
    expect(at2_5.bottlenecks.map((b) => b.node_id)).toEqual([4]);
    expect(at2_5.bottlenecks[0].metrics.latency_ms.triggered).toBe(false);
    // At a threshold of 0 or below, a null z still never triggers (null >= 0 is true in JS).
    expect(atThreshold(mixed, -1)!.bottlenecks[0].metrics.latency_ms.triggered).toBe(false);
  });
});
