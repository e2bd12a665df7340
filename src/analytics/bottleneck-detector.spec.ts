import {
  Baseline,
  badDirectionZ,
  detectBottlenecks,
  isZeroSpread,
  madBaseline,
  median,
  mergeMoments,
  momentsOf,
  NodeAggregate,
  zscoreBaseline,
} from './bottleneck-detector';

/** A node with one sample; a null metric is one the sample lacks. */
const node = (
  nodeId: number,
  latency: number | null,
  throughput: number | null,
  errorRate: number | null,
): NodeAggregate => ({
  nodeId,
  samples: 1,
  means: { latency_ms: latency, throughput_gbps: throughput, error_rate: errorRate },
  counts: {
    latency_ms: latency === null ? 0 : 1,
    throughput_gbps: throughput === null ? 0 : 1,
    error_rate: errorRate === null ? 0 : 1,
  },
  lastTimestamp: new Date(0),
});

const present = (values: (number | null)[]) => values.filter((v): v is number => v !== null);

/** One sample per node: the zscore baseline over node values, from plain two-pass moments. */
function zscoreOf(nodes: NodeAggregate[]): Baseline {
  return zscoreBaseline({
    latency_ms: momentsOf(present(nodes.map((n) => n.means.latency_ms))),
    throughput_gbps: momentsOf(present(nodes.map((n) => n.means.throughput_gbps))),
    error_rate: momentsOf(present(nodes.map((n) => n.means.error_rate))),
  });
}

describe('bottleneck detector (zscore)', () => {
  it('flags a single slow node with the hand-computed z', () => {
    // Nine nodes at 10 ms, one at 60 ms: mean 15, deviations 9x(-5) and 45, M2 = 225 + 2025.
    const nodes = [
      ...Array.from({ length: 9 }, (_, i) => node(i + 1, 10, 10, 0.1)),
      node(10, 60, 10, 0.1),
    ];
    const baseline = zscoreOf(nodes);
    const sd = Math.sqrt(2250 / 9);
    expect(Math.abs(baseline.latency_ms.spread! - sd)).toBeLessThan(1e-12);
    const [verdict, ...rest] = detectBottlenecks(nodes, baseline, 2);
    expect(rest).toHaveLength(0);
    expect(verdict.node.nodeId).toBe(10);
    expect(Math.abs(verdict.metrics.latency_ms.z! - 45 / sd)).toBeLessThan(1e-9);
    expect(Math.abs(verdict.metrics.latency_ms.z! - 2.846049894151541)).toBeLessThan(1e-9);
    expect(verdict.metrics.latency_ms).toMatchObject({ value: 60, baseline: 15, triggered: true });
    expect(verdict.metrics.throughput_gbps).toMatchObject({ z: 0, triggered: false });
    expect(Math.abs(verdict.deviationScore - 0.4 * (45 / sd))).toBeLessThan(1e-9);
  });

  it('only counts the bad direction', () => {
    const base = { centre: 10, spread: 1, kind: 'stddev' as const, scale: 1 };
    expect(badDirectionZ('latency_ms', 7, base)).toBe(-3);
    expect(badDirectionZ('throughput_gbps', 7, base)).toBe(3);
    expect(badDirectionZ('error_rate', 13, base)).toBe(3);
    const nodes = [
      ...Array.from({ length: 9 }, (_, i) => node(i + 1, 50, 10, 1)),
      node(10, 1, 10, 1),
    ];
    expect(detectBottlenecks(nodes, zscoreOf(nodes), 2)).toHaveLength(0);
  });

  it('treats floating-point noise of a constant metric as zero spread', () => {
    expect(isZeroSpread(1e-17, 0.1)).toBe(true);
    expect(isZeroSpread(null, 5)).toBe(true);
    expect(isZeroSpread(1e-6, 0.1)).toBe(false);
    expect(isZeroSpread(5e-7, 1000)).toBe(true);
    const baseline = zscoreBaseline({
      latency_ms: { n: 20, mean: 0.1, m2: 20 * 1.3877787807814457e-17 ** 2 },
      throughput_gbps: { n: 20, mean: 0.1, m2: 0 },
      error_rate: { n: 20, mean: 0.1, m2: 0 },
    });
    expect(baseline.latency_ms.scale).toBeNull();
    const nodes = Array.from({ length: 20 }, (_, i) =>
      node(i + 1, 0.1 + (i % 2) * 1e-17, 0.1, 0.1),
    );
    expect(detectBottlenecks(nodes, baseline, 0.5)).toEqual([]);
  });

  it('returns nothing for one node or an empty window', () => {
    const one = [node(1, 99, 1, 50)];
    const baseline = zscoreOf(one);
    expect(baseline.latency_ms.spread).toBeNull();
    expect(detectBottlenecks(one, baseline, 0.5)).toEqual([]);
    expect(detectBottlenecks(one, madBaseline(one), 0.5)).toEqual([]);
    expect(detectBottlenecks([], zscoreOf([node(1, 1, 1, 1), node(2, 1, 1, 1)]), 2)).toEqual([]);
  });

  it('sorts worst first and breaks ties by node id', () => {
    const nodes = [
      ...Array.from({ length: 16 }, (_, i) => node(i + 1, 10, 10, 0.1)),
      node(20, 80, 10, 0.1),
      node(17, 80, 10, 0.1),
    ];
    const ids = detectBottlenecks(nodes, zscoreOf(nodes), 2).map((v) => v.node.nodeId);
    expect(ids).toEqual([17, 20]);
  });

  it('never yields NaN or Infinity', () => {
    const nodes = [node(1, 1e308, 0, 100), node(2, 0, 1e308, 0), node(3, 5, 5, 5)];
    for (const baseline of [zscoreOf(nodes), madBaseline(nodes)]) {
      for (const v of detectBottlenecks(nodes, baseline, 0.5)) {
        expect(Number.isFinite(v.deviationScore)).toBe(true);
        for (const m of Object.values(v.metrics)) expect(Number.isFinite(m.z)).toBe(true);
      }
    }
  });
});

describe('bottleneck detector (mad)', () => {
  it('finds slow nodes that mask each other under zscore', () => {
    // The seed's 5-node case: two slow nodes of five peak at z = 1.31 under zscore.
    const nodes = [
      node(1, 10, 10, 0.1),
      node(2, 11, 10, 0.1),
      node(3, 12, 10, 0.1),
      node(4, 80, 10, 0.1),
      node(5, 80, 10, 0.1),
    ];
    const z = zscoreOf(nodes);
    expect(detectBottlenecks(nodes, z, 2)).toEqual([]);
    // Median 12, deviations 2,1,0,68,68 -> MAD 2, z of 80 = 0.6745*68/2.
    const mad = madBaseline(nodes);
    expect(mad.latency_ms).toMatchObject({ centre: 12, spread: 2, kind: 'mad' });
    const verdicts = detectBottlenecks(nodes, mad, 2);
    expect(verdicts.map((v) => v.node.nodeId)).toEqual([4, 5]);
    expect(Math.abs(verdicts[0].metrics.latency_ms.z! - (0.6745 * 68) / 2)).toBeLessThan(1e-9);
  });

  it('falls back to the mean absolute deviation where MAD is zero', () => {
    // Median 10, MAD 0; deviations 0,0,0,0,30 -> mean AD 6, z of 40 = 30/(1.253314*6).
    const nodes = [1, 2, 3, 4].map((i) => node(i, 10, 5, 1)).concat(node(5, 40, 5, 1));
    const mad = madBaseline(nodes);
    expect(mad.latency_ms).toMatchObject({
      centre: 10,
      spread: 6,
      kind: 'mean_absolute_deviation',
    });
    const [v] = detectBottlenecks(nodes, mad, 2);
    expect(Math.abs(v.metrics.latency_ms.z! - 30 / (1.253314 * 6))).toBeLessThan(1e-9);
    expect(mad.throughput_gbps.scale).toBeNull();
    expect(v.metrics.throughput_gbps.z).toBe(0);
  });

  it('takes the mean of the two middle values for an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });
});

describe('bottleneck detector with samples that lack a metric', () => {
  // Nodes 1-9 at 10 ms, node 10 at 60 ms; nodes 11 and 12 report no latency at all.
  const nodes = [
    ...Array.from({ length: 9 }, (_, i) => node(i + 1, 10, 10, 0.1)),
    node(10, 60, 10, 0.1),
    node(11, null, 2, 0.1),
    node(12, null, null, 0.1),
  ];

  it("builds each metric's zscore baseline from the nodes that have it, never from zeros", () => {
    const baseline = zscoreOf(nodes);
    // Latency over the ten nodes with latency only: mean 15, not 150/12.
    expect(baseline.latency_ms.centre).toBe(15);
    expect(Math.abs(baseline.latency_ms.spread! - Math.sqrt(2250 / 9))).toBeLessThan(1e-12);
    // Throughput over eleven values: ten at 10 and node 11 at 2.
    expect(Math.abs(baseline.throughput_gbps.centre! - 102 / 11)).toBeLessThan(1e-12);
  });

  it('does not score a node on a metric it has no samples of', () => {
    const verdicts = detectBottlenecks(nodes, zscoreOf(nodes), 2);
    expect(verdicts.map((v) => v.node.nodeId)).toEqual([11, 10]);
    const [eleven, ten] = verdicts;
    expect(eleven.metrics.latency_ms).toEqual({
      value: null,
      baseline: 15,
      z: null,
      triggered: false,
      samples: 0,
    });
    expect(eleven.metrics.throughput_gbps).toMatchObject({ value: 2, triggered: true, samples: 1 });
    // Its score is throughput's term alone: latency adds nothing rather than a z of 0 - 15.
    expect(eleven.deviationScore).toBeCloseTo(0.4 * eleven.metrics.throughput_gbps.z!, 12);
    expect(ten.metrics.latency_ms).toMatchObject({ value: 60, triggered: true, samples: 1 });
  });

  it('takes the mad baseline over the node means that exist', () => {
    const mad = madBaseline(nodes);
    // Median of ten latencies (nine 10s and a 60) is 10, not the median with two zeros.
    expect(mad.latency_ms.centre).toBe(10);
    expect(madBaseline([node(1, null, 1, 1)]).latency_ms).toEqual({
      centre: null,
      spread: null,
      kind: 'mad',
      scale: null,
    });
  });

  it('has no centre for a metric no sample carries', () => {
    const baseline = zscoreOf([node(1, null, 3, 1), node(2, null, 4, 1)]);
    expect(baseline.latency_ms).toMatchObject({ centre: null, spread: null, scale: null });
    expect(detectBottlenecks([node(1, null, 3, 1)], baseline, 1)).toEqual([]);
  });
});

describe('moments', () => {
  it('merges with Chan et al. to the direct computation', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 100 + 1e6;
    const values = Array.from({ length: 1000 }, rand);
    let merged = { n: 0, mean: 0, m2: 0 };
    for (let i = 0; i < values.length; i += 37) {
      merged = mergeMoments(merged, momentsOf(values.slice(i, i + 37)));
    }
    const direct = momentsOf(values);
    expect(merged.n).toBe(1000);
    expect(Math.abs(merged.mean - direct.mean) / direct.mean).toBeLessThan(1e-12);
    expect(Math.abs(merged.m2 - direct.m2) / direct.m2).toBeLessThan(1e-9);
  });
});
