import { NodeRole } from '../domain/node-role';
import {
  DRIFT_PERIOD_MS,
  HEALTHY_PROFILE,
  JITTER_BUCKET_MS,
  MetricColumns,
  MetricSample,
  SPINE_PROFILE,
  fillSamples,
  generateSample,
  isSlowNode,
  uplinkDelayMs,
} from './telemetry-generator';

const T0 = Date.UTC(2025, 0, 1);
const METRICS: (keyof MetricSample)[] = ['latencyMs', 'throughputGbps', 'errorRate'];

// The contract's ranges, written out here so a retuned profile cannot drift outside them.
const HEALTHY_RANGE: Record<keyof MetricSample, [number, number]> = {
  latencyMs: [1, 20],
  throughputGbps: [8, 10],
  errorRate: [0, 0.5],
};
const SLOW_RANGE: Record<keyof MetricSample, [number, number]> = {
  latencyMs: [50, 90],
  throughputGbps: [2, 5],
  errorRate: [1, 5],
};

function columns(size: number): MetricColumns {
  return {
    latency: new Float64Array(size),
    throughput: new Float64Array(size),
    errorRate: new Float64Array(size),
  };
}

/** Mean of one metric over a minute of one-second samples starting at `start`. */
function minuteMean(nodeId: number, nodeSeq: number, start: number, metric: keyof MetricSample) {
  let sum = 0;
  for (let s = 0; s < 60; s++) sum += generateSample(nodeId, nodeSeq, start + s * 1000)[metric];
  return sum / 60;
}

describe('isSlowNode', () => {
  it.each([
    [1, false],
    [7, false],
    [8, true],
    [9, true],
    [10, false],
    [11, false],
    [18, true],
    [19, true],
    [20, false],
    [998, true],
    [1000, false],
  ])('node %i slow=%s', (seq, slow) => {
    expect(isSlowNode(seq)).toBe(slow);
  });

  it('makes exactly 20% of sequence numbers 1..1000 slow', () => {
    let slow = 0;
    for (let seq = 1; seq <= 1000; seq++) if (isSlowNode(seq)) slow++;
    expect(slow).toBe(200);
  });
});

describe('generateSample', () => {
  it('is deterministic per node and time', () => {
    for (let id = 1; id <= 200; id++) {
      const t = T0 + id * 7919;
      expect(generateSample(id, id, t)).toEqual(generateSample(id, id, t));
    }
  });

  it('returns exactly the three metrics', () => {
    expect(Object.keys(generateSample(1, 1, T0)).sort()).toEqual([
      'errorRate',
      'latencyMs',
      'throughputGbps',
    ]);
  });

  it('keeps every metric finite and inside its range for many nodes and times', () => {
    const seen = { healthy: 0, slow: 0 };
    for (let id = 1; id <= 1000; id++) {
      const slow = isSlowNode(id);
      const range = slow ? SLOW_RANGE : HEALTHY_RANGE;
      for (let k = 0; k < 100; k++) {
        // Spread over most of a day at odd offsets, so every drift phase and bucket edge shows up.
        const sample = generateSample(id, id, T0 + k * 811_337 + id * 13);
        for (const metric of METRICS) {
          const value = sample[metric];
          const [min, max] = range[metric];
          if (!(Number.isFinite(value) && value >= min && value <= max)) {
            throw new Error(`node ${id} at step ${k}: ${metric}=${value} outside ${min}..${max}`);
          }
        }
        seen[slow ? 'slow' : 'healthy']++;
      }
    }
    expect(seen).toEqual({ healthy: 80_000, slow: 20_000 });
  });

  it('accepts timestamps before the epoch and far in the future', () => {
    for (const t of [-1, -T0, 0, 8.64e15]) {
      for (const metric of METRICS) {
        expect(Number.isFinite(generateSample(3, 3, t)[metric])).toBe(true);
      }
    }
  });

  it('keeps healthy latency mostly between 5 and 15 ms', () => {
    let typical = 0;
    let total = 0;
    for (let id = 1; id <= 500; id++) {
      if (isSlowNode(id)) continue;
      for (let k = 0; k < 40; k++) {
        const { latencyMs } = generateSample(id, id, T0 + k * 15_000);
        if (latencyMs >= 5 && latencyMs <= 15) typical++;
        total++;
      }
    }
    expect(typical / total).toBeGreaterThan(0.75);
  });

  it('separates the slow minority from the healthy majority on every metric', () => {
    const groups = { healthy: [] as MetricSample[], slow: [] as MetricSample[] };
    for (let id = 1; id <= 500; id++) {
      for (let k = 0; k < 60; k++) {
        groups[isSlowNode(id) ? 'slow' : 'healthy'].push(generateSample(id, id, T0 + k * 10_007));
      }
    }
    const lowest = (group: MetricSample[], metric: keyof MetricSample) =>
      group.reduce((low, sample) => Math.min(low, sample[metric]), Infinity);
    const highest = (group: MetricSample[], metric: keyof MetricSample) =>
      group.reduce((high, sample) => Math.max(high, sample[metric]), -Infinity);
    const { healthy, slow } = groups;
    // The worst healthy sample still beats the best slow one, with room to spare.
    expect(lowest(slow, 'latencyMs') - highest(healthy, 'latencyMs')).toBeGreaterThan(20);
    expect(lowest(healthy, 'throughputGbps') - highest(slow, 'throughputGbps')).toBeGreaterThan(2);
    expect(lowest(slow, 'errorRate') - highest(healthy, 'errorRate')).toBeGreaterThan(0.4);
  });

  it('depends on the node id, not only on its sequence number', () => {
    const a = generateSample(1001, 3, T0);
    const b = generateSample(2002, 3, T0);
    expect(a.latencyMs).not.toBe(b.latencyMs);
    expect(a.throughputGbps).not.toBe(b.throughputGbps);
  });

  it('jitters from one sample to the next', () => {
    const latencies = new Set<number>();
    for (let k = 0; k < 100; k++) latencies.add(generateSample(5, 5, T0 + k * 5000).latencyMs);
    expect(latencies.size).toBe(100);
  });

  it('holds the jitter within a bucket, so a tick retried moments later matches', () => {
    const start = T0 + 17 * JITTER_BUCKET_MS;
    for (let id = 1; id <= 50; id++) {
      const first = generateSample(id, id, start);
      const later = generateSample(id, id, start + JITTER_BUCKET_MS - 1);
      // Only the drift moves inside a bucket: at most 8 ms · 2π / 600 s · 1 s ≈ 0.084.
      for (const metric of METRICS) {
        expect(Math.abs(first[metric] - later[metric])).toBeLessThan(0.1);
      }
    }
  });

  describe('drift', () => {
    const tenthOfPeriod = DRIFT_PERIOD_MS / 10;

    it('moves each node through a load cycle that repeats every period', () => {
      for (const id of [1, 2, 8, 9, 77, 1234]) {
        const means = Array.from({ length: 10 }, (_, i) =>
          minuteMean(id, id, T0 + i * tenthOfPeriod, 'latencyMs'),
        );
        const swing = Math.max(...means) - Math.min(...means);
        // Drift amplitude is 3 ms healthy and 8 ms slow; a cycle spans about twice that.
        expect(swing).toBeGreaterThan(isSlowNode(id) ? 10 : 4);
        const nextCycle = minuteMean(id, id, T0 + DRIFT_PERIOD_MS, 'latencyMs');
        expect(Math.abs(nextCycle - means[0])).toBeLessThan(isSlowNode(id) ? 4 : 1.5);
      }
    });

    it('raises latency when it lowers throughput', () => {
      let opposed = 0;
      for (let id = 1; id <= 20; id++) {
        const now = T0;
        const halfCycleLater = T0 + DRIFT_PERIOD_MS / 2;
        const latencyUp =
          minuteMean(id, id, now, 'latencyMs') > minuteMean(id, id, halfCycleLater, 'latencyMs');
        const throughputUp =
          minuteMean(id, id, now, 'throughputGbps') >
          minuteMean(id, id, halfCycleLater, 'throughputGbps');
        if (latencyUp !== throughputUp) opposed++;
      }
      expect(opposed).toBeGreaterThanOrEqual(17);
    });

    it('peaks at different times for different nodes', () => {
      const peaks = new Set<number>();
      for (let id = 1; id <= 100; id++) {
        const means = Array.from({ length: 10 }, (_, i) =>
          minuteMean(id, 1, T0 + i * tenthOfPeriod, 'latencyMs'),
        );
        peaks.add(means.indexOf(Math.max(...means)));
      }
      expect(peaks.size).toBeGreaterThanOrEqual(8);
    });
  });

  it.each([NaN, Infinity, -Infinity])('rejects a timestamp of %p', (t) => {
    expect(() => generateSample(1, 1, t)).toThrow(RangeError);
  });

  it('rejects a fractional node id', () => {
    expect(() => generateSample(1.5, 1, T0)).toThrow(RangeError);
  });
});

describe('fillSamples', () => {
  const count = 2000;
  const ids = Int32Array.from({ length: count }, (_, i) => 10_000 + i * 3);
  const seqs = Int32Array.from({ length: count }, (_, i) => i + 1);

  it('writes what generateSample returns, for typed arrays and plain arrays', () => {
    const t = T0 + 123_456;
    const typed = columns(count);
    const plain = columns(count);
    fillSamples(ids, seqs, t, typed);
    fillSamples(Array.from(ids), Array.from(seqs), t, plain);
    for (let i = 0; i < count; i++) {
      const expected = generateSample(ids[i], seqs[i], t);
      expect(typed.latency[i]).toBe(expected.latencyMs);
      expect(typed.throughput[i]).toBe(expected.throughputGbps);
      expect(typed.errorRate[i]).toBe(expected.errorRate);
    }
    expect(plain).toEqual(typed);
  });

  it('leaves the columns beyond the batch untouched', () => {
    const out = columns(count + 5);
    out.latency.fill(-1);
    fillSamples(ids, seqs, T0, out);
    expect(Array.from(out.latency.subarray(count))).toEqual([-1, -1, -1, -1, -1]);
  });

  it('accepts an empty batch', () => {
    expect(() => fillSamples([], [], T0, columns(0))).not.toThrow();
  });

  it('rejects mismatched ids and sequence numbers', () => {
    expect(() => fillSamples(ids, seqs.subarray(1), T0, columns(count))).toThrow(RangeError);
  });

  it.each(['latency', 'throughput', 'errorRate'] as const)('rejects a short %s column', (key) => {
    const out = columns(count);
    out[key] = new Float64Array(count - 1);
    expect(() => fillSamples(ids, seqs, T0, out)).toThrow(RangeError);
  });

  it('rejects a non-finite timestamp', () => {
    expect(() => fillSamples(ids, seqs, NaN, columns(count))).toThrow(RangeError);
  });
});

describe('fabric roles', () => {
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const samplesOf = (role: NodeRole, ids: number[], delay = 0) =>
    ids.flatMap((id) =>
      Array.from({ length: 60 }, (_, k) => generateSample(id, id, T0 + k * 10_007, role, delay)),
    );
  const healthyIds = Array.from({ length: 200 }, (_, i) => i + 1).filter((id) => !isSlowNode(id));

  it('gives spines four times the throughput of a leaf and a few ms more latency', () => {
    const spines = samplesOf(NodeRole.SPINE, healthyIds);
    const leaves = samplesOf(NodeRole.LEAF, healthyIds);
    const ratio =
      mean(spines.map((s) => s.throughputGbps)) / mean(leaves.map((s) => s.throughputGbps));
    expect(ratio).toBeGreaterThan(3.8);
    expect(ratio).toBeLessThan(4.2);
    const extra = mean(spines.map((s) => s.latencyMs)) - mean(leaves.map((s) => s.latencyMs));
    expect(extra).toBeGreaterThan(3);
    expect(extra).toBeLessThan(5);
    for (const s of spines) {
      expect(s.throughputGbps).toBeGreaterThanOrEqual(SPINE_PROFILE.throughputGbps.min);
      expect(s.latencyMs).toBeLessThanOrEqual(SPINE_PROFILE.latencyMs.max);
    }
    // Border leaves: twice a leaf's throughput.
    const border = samplesOf(NodeRole.BORDER_LEAF, healthyIds);
    const borderRatio =
      mean(border.map((s) => s.throughputGbps)) / mean(leaves.map((s) => s.throughputGbps));
    expect(borderRatio).toBeGreaterThan(1.9);
    expect(borderRatio).toBeLessThan(2.1);
  });

  it('keeps the slow minority slow in every role', () => {
    for (const role of [NodeRole.SPINE, NodeRole.BORDER_LEAF, NodeRole.LEAF]) {
      const slow = samplesOf(role, [8, 19, 28]);
      expect(Math.min(...slow.map((s) => s.latencyMs))).toBeGreaterThanOrEqual(50);
    }
  });

  it('is the seed`s sample for a leaf without uplink delay, in both forms', () => {
    const ids = [1, 8, 9, 10, 4242];
    const out = columns(ids.length);
    fillSamples(
      ids,
      ids,
      T0,
      out,
      ids.map(() => NodeRole.LEAF),
      0,
    );
    const seed = columns(ids.length);
    fillSamples(ids, ids, T0, seed);
    expect(out).toEqual(seed);
    ids.forEach((id, i) => expect(generateSample(id, id, T0).latencyMs).toBe(seed.latency[i]));
  });

  it('adds a slow spine`s excess over a healthy spine, shared by its S spines, to every leaf', () => {
    // Spines node-001..node-008: node-008 is in the slow minority.
    const spines = Array.from({ length: 8 }, (_, i) => ({ id: 100 + i, seq: i + 1 }));
    const t = T0 + 123_456;
    const slow = generateSample(107, 8, t, NodeRole.SPINE).latencyMs;
    const delay = uplinkDelayMs(spines, 8, t);
    expect(delay).toBeCloseTo((slow - SPINE_PROFILE.latencyMs.centre) / 8, 12);
    expect(delay).toBeGreaterThan(4);
    // Smaller than the spine's own excess, and only while the slow spine runs.
    expect(delay).toBeLessThan(slow - SPINE_PROFILE.latencyMs.centre);
    expect(uplinkDelayMs(spines.slice(0, 7), 8, t)).toBe(0);
    expect(uplinkDelayMs([], 0, t)).toBe(0);
    const ids = [201, 202, 203];
    const out = columns(3);
    fillSamples(
      ids,
      [9, 10, 11],
      t,
      out,
      [NodeRole.SPINE, NodeRole.BORDER_LEAF, NodeRole.LEAF],
      delay,
    );
    expect(out.latency[0]).toBe(generateSample(201, 9, t, NodeRole.SPINE).latencyMs);
    expect(out.latency[1]).toBe(generateSample(202, 10, t, NodeRole.BORDER_LEAF).latencyMs + delay);
    expect(out.latency[2]).toBe(generateSample(203, 11, t, NodeRole.LEAF).latencyMs + delay);
    expect(out.latency[2]).toBeGreaterThan(HEALTHY_PROFILE.latencyMs.min + delay - 1e-9);
  });
});
