import {
  Baseline,
  badDirectionZ,
  detectBottlenecks,
  isZeroSpread,
  NodeAggregate,
} from './bottleneck-detector';

const node = (
  nodeId: number,
  latency: number,
  throughput: number,
  errorRate: number,
): NodeAggregate => ({
  nodeId,
  nodeIdentifier: `node-${String(nodeId).padStart(3, '0')}`,
  samples: 1,
  means: { latency_ms: latency, throughput_gbps: throughput, error_rate: errorRate },
  lastTimestamp: new Date(0),
});

/** Mean and sample standard deviation, the plain way, as the reference. */
function baselineOf(nodes: NodeAggregate[]): Baseline {
  const stat = (values: number[]) => {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
    return { centre: mean, spread: values.length > 1 ? Math.sqrt(variance) : null };
  };
  return {
    latency_ms: stat(nodes.map((n) => n.means.latency_ms)),
    throughput_gbps: stat(nodes.map((n) => n.means.throughput_gbps)),
    error_rate: stat(nodes.map((n) => n.means.error_rate)),
  };
}

describe('bottleneck detector (zscore)', () => {
  it('flags a single slow node with the hand-computed z', () => {
    // Nine nodes at 10 ms and one at 60 ms: mean 15, sample sd = sqrt(2500/10*10/9*... ) computed below.
    const nodes = [
      ...Array.from({ length: 9 }, (_, i) => node(i + 1, 10, 10, 0.1)),
      node(10, 60, 10, 0.1),
    ];
    const baseline = baselineOf(nodes);
    const sd = Math.sqrt((9 * 25 + 45 * 45) / 9);
    expect(baseline.latency_ms.spread).toBeCloseTo(sd, 12);
    const [verdict, ...rest] = detectBottlenecks(nodes, baseline, 2);
    expect(rest).toHaveLength(0);
    expect(verdict.node.nodeId).toBe(10);
    expect(Math.abs(verdict.metrics.latency_ms.z - 45 / sd)).toBeLessThan(1e-9);
    expect(verdict.metrics.latency_ms.triggered).toBe(true);
    expect(verdict.metrics.throughput_gbps).toMatchObject({ z: 0, triggered: false });
    expect(Math.abs(verdict.deviationScore - 0.4 * (45 / sd))).toBeLessThan(1e-9);
  });

  it('only counts the bad direction', () => {
    const base = { centre: 10, spread: 1 };
    expect(badDirectionZ('latency_ms', 7, base)).toBe(-3);
    expect(badDirectionZ('throughput_gbps', 7, base)).toBe(3);
    expect(badDirectionZ('error_rate', 13, base)).toBe(3);
    const nodes = [
      ...Array.from({ length: 9 }, (_, i) => node(i + 1, 50, 10, 1)),
      node(10, 1, 10, 1),
    ];
    expect(detectBottlenecks(nodes, baselineOf(nodes), 2)).toHaveLength(0);
  });

  it('treats floating-point noise of a constant metric as zero spread', () => {
    expect(isZeroSpread(1e-17, 0.1)).toBe(true);
    expect(isZeroSpread(null, 5)).toBe(true);
    expect(isZeroSpread(1e-6, 0.1)).toBe(false);
    const nodes = Array.from({ length: 20 }, (_, i) => node(i + 1, 0.1, 0.1, 0.1));
    const baseline = baselineOf(nodes);
    baseline.latency_ms.spread = 1.3877787807814457e-17;
    expect(detectBottlenecks(nodes, baseline, 0.5)).toEqual([]);
  });

  it('returns nothing for one node or an empty window', () => {
    expect(detectBottlenecks([node(1, 99, 1, 50)], baselineOf([node(1, 99, 1, 50)]), 2)).toEqual(
      [],
    );
    expect(detectBottlenecks([], baselineOf([node(1, 1, 1, 1), node(2, 1, 1, 1)]), 2)).toEqual([]);
  });

  it('sorts worst first and breaks ties by node id', () => {
    const nodes = [
      ...Array.from({ length: 16 }, (_, i) => node(i + 1, 10, 10, 0.1)),
      node(20, 80, 10, 0.1),
      node(17, 80, 10, 0.1),
    ];
    const ids = detectBottlenecks(nodes, baselineOf(nodes), 2).map((v) => v.node.nodeId);
    expect(ids).toEqual([17, 20]);
  });

  it('never yields NaN or Infinity', () => {
    const nodes = [node(1, 1e308, 0, 100), node(2, 0, 1e308, 0), node(3, 5, 5, 5)];
    for (const v of detectBottlenecks(nodes, baselineOf(nodes), 0.5)) {
      expect(Number.isFinite(v.deviationScore)).toBe(true);
      for (const m of Object.values(v.metrics)) expect(Number.isFinite(m.z)).toBe(true);
    }
  });
});
