import { Pool } from 'pg';
import {
  bottleneckReference,
  close,
  Method,
  Metric,
  METRICS,
  WEIGHT,
  windowSamples,
} from '../support/bottleneck-reference';
import { cleanUp, startWithPool } from '../support/suite';
import { expectError } from '../support/errors';
import { createFabric, NodeRow } from '../support/deployments';
import { PushedSample, pushSamples } from '../support/samples';
import { Service } from '../support/service';

let api: Service;
let db: Pool;
const NAME = `fabric-bottlenecks-${process.pid}-${Date.now().toString(36)}`;
// Wake-ups of this suite's rollouts go to queues of its own.
const PREFIX = `${process.env.QUEUE_PREFIX}_fabric_bottlenecks`;

beforeAll(async () => {
  // API only: nothing folds or collects, so every read of a window sees the same samples.
  ({ api, db } = await startWithPool({ QUEUE_PREFIX: PREFIX }));
});

afterAll(() => cleanUp({ service: api, db, name: NAME, prefix: PREFIX }));

interface Bottleneck {
  node_id: number;
  node_identifier: string;
  role: string;
  deviation_score: number;
  likely_caused_by: number[];
  explains: number;
  metrics: Record<Metric, { value: number; baseline: number; z: number; triggered: boolean }>;
}

interface Result {
  window_start: string;
  window_end: string;
  peer_group: string;
  nodes_analyzed: number;
  samples_analyzed: number;
  baseline: Record<Metric, { centre: number; spread: number | null }> | null;
  baselines: Record<
    string,
    Record<Metric, { centre: number }> & { nodes_analyzed: number; samples_analyzed: number }
  >;
  bottlenecks: Bottleneck[];
}

const fabric = (topology: Record<string, number>) => createFabric(api, { name: NAME, topology });

/** Twelve samples per node over the last 4 minutes, from a per-node profile. */
async function push(
  deploymentId: number,
  nodes: NodeRow[],
  profile: (node: NodeRow, index: number) => Record<Metric, number>,
) {
  const now = Date.now();
  const samples: PushedSample[] = [];
  nodes.forEach((node, i) => {
    const p = profile(node, i);
    for (let k = 0; k < 12; k++) {
      // A wobble every node shares, so node means keep their order.
      const wobble = 0.01 * (k % 3);
      samples.push({
        node_id: node.id,
        timestamp: new Date(now - 20_000 - k * 20_000).toISOString(),
        latency_ms: p.latency_ms + wobble,
        throughput_gbps: p.throughput_gbps + wobble,
        error_rate: p.error_rate + wobble / 10,
      });
    }
  });
  await pushSamples(api, deploymentId, samples);
}

async function bottlenecks(id: number, query: Record<string, string | number>) {
  const res = await api.http.get(`/deployments/${id}/bottlenecks`).query(query).expect(200);
  return res.body as Result;
}

const flaggedNames = (r: Result) => r.bottlenecks.map((b) => b.node_identifier).sort();

/** Each node against the nodes of its peer group (its role, or every node), as the reference. */
async function expectMatchesReference(id: number, r: Result, method: Method) {
  const ref = bottleneckReference(await windowSamples(db, id, r), {
    method,
    threshold: 2,
    groupOf: (row) => (r.peer_group === 'role' ? row.role! : 'deployment'),
  });
  for (const [group, scale] of ref.groups) {
    for (const k of METRICS)
      expect(close(r.baselines[group][k].centre, scale[k].centre)).toBe(true);
  }
  const byId = new Map(ref.flagged.map((f) => [f.id, f]));
  expect(r.bottlenecks.map((b) => b.node_id).sort((a, b) => a - b)).toEqual(
    [...byId.keys()].sort((a, b) => a - b),
  );
  for (const b of r.bottlenecks) {
    for (const k of METRICS) {
      if (b.metrics[k].triggered)
        expect(close(b.metrics[k].z, byId.get(b.node_id)!.z[k])).toBe(true);
    }
    // A metric the node has no samples of (z null) adds nothing.
    const score = METRICS.reduce((a, k) => a + WEIGHT[k] * Math.max(0, b.metrics[k].z ?? 0), 0);
    expect(close(b.deviation_score, score)).toBe(true);
  }
}

describe('bottlenecks by peer group', () => {
  it('flags only the true outliers by role, and the healthy spines too against the deployment', async () => {
    // 8 spines (node-003 slow), 2 border leaves, 40 leaves (node-031 slow). Spines carry four
    // times a leaf's throughput and 4 ms more latency; border leaves twice the throughput.
    const d = await fabric({ spines: 8, leaves: 40, border_leaves: 2 });
    await push(d.id, d.nodes, (node, i) => {
      const spread = 0.1 * (i % 5);
      if (node.role === 'spine') {
        const slow = node.node_id === 'node-003';
        return {
          latency_ms: slow ? 90 : 14 + spread,
          throughput_gbps: slow ? 20 : 36 + spread,
          error_rate: 0.2 + spread / 10,
        };
      }
      if (node.node_id === 'node-031') {
        return { latency_ms: 70, throughput_gbps: 3, error_rate: 2 };
      }
      return {
        latency_ms: 10 + spread,
        throughput_gbps: (node.role === 'border-leaf' ? 18 : 9) + spread,
        error_rate: 0.1 + spread / 10,
      };
    });
    for (const method of ['zscore', 'mad'] as const) {
      const byRole = await bottlenecks(d.id, { method });
      expect(byRole.peer_group).toBe('role');
      expect(flaggedNames(byRole)).toEqual(['node-003', 'node-031']);
      expect(byRole.bottlenecks.find((b) => b.node_identifier === 'node-003')!.role).toBe('spine');
      expect(byRole.bottlenecks.find((b) => b.node_identifier === 'node-031')!.role).toBe('leaf');
      expect(Object.keys(byRole.baselines)).toEqual(['spine', 'border-leaf', 'leaf']);
      expect(byRole.baselines.spine).toMatchObject({ nodes_analyzed: 8, samples_analyzed: 96 });
      expect(byRole.baselines.leaf).toMatchObject({ nodes_analyzed: 40, samples_analyzed: 480 });
      expect(byRole.nodes_analyzed).toBe(50);
      expect(byRole.samples_analyzed).toBe(600);
      await expectMatchesReference(d.id, byRole, method);
      // Each node's verdict is against its own role's centre.
      const spine = byRole.bottlenecks.find((b) => b.role === 'spine')!;
      expect(spine.metrics.throughput_gbps.baseline).toBe(
        byRole.baselines.spine.throughput_gbps.centre,
      );

      const pooled = await bottlenecks(d.id, { method, peer_group: 'deployment' });
      expect(Object.keys(pooled.baselines)).toEqual(['deployment']);
      expect(pooled.baselines.deployment.latency_ms.centre).toBe(
        pooled.baseline!.latency_ms.centre,
      );
      await expectMatchesReference(d.id, pooled, method);
      // The response's `baseline` is the whole deployment's either way.
      expect(close(byRole.baseline!.latency_ms.centre, pooled.baseline!.latency_ms.centre)).toBe(
        true,
      );
      if (method === 'mad') {
        // Against the deployment the healthy spines' latency stands out: all eight flagged.
        const spines = d.nodes.filter((n) => n.role === 'spine').map((n) => n.node_id);
        for (const name of spines) expect(flaggedNames(pooled)).toContain(name);
      }
    }
  });

  it('flags healthy spines against the deployment with zscore when nothing else stands out', async () => {
    const d = await fabric({ spines: 4, leaves: 30 });
    await push(d.id, d.nodes, (node, i) => ({
      latency_ms: (node.role === 'spine' ? 14 : 10) + 0.1 * (i % 5),
      throughput_gbps: (node.role === 'spine' ? 36 : 9) + 0.1 * (i % 5),
      error_rate: 0.1,
    }));
    const byRole = await bottlenecks(d.id, {});
    expect(byRole.bottlenecks).toEqual([]);
    const pooled = await bottlenecks(d.id, { peer_group: 'deployment' });
    expect(flaggedNames(pooled)).toEqual(['node-001', 'node-002', 'node-003', 'node-004']);
    expect(
      pooled.bottlenecks.every((b) => b.role === 'spine' && b.metrics.latency_ms.triggered),
    ).toBe(true);
    await expectMatchesReference(d.id, pooled, 'zscore');
  });

  it('names the slow spine as the likely cause of the leaves it slows, not of a leaf slow on its own', async () => {
    // 4 spines, node-002 slow by ~76 ms: a quarter of it, ~19 ms, reaches each leaf. Leaves
    // node-010..012 run 15 ms slow (within that share), node-020 60 ms (its own problem),
    // node-025 has errors only.
    const d = await fabric({ spines: 4, leaves: 28 });
    const byName = new Map(d.nodes.map((n) => [n.node_id, n.id]));
    await push(d.id, d.nodes, (node, i) => {
      if (node.role === 'spine') {
        return {
          latency_ms: node.node_id === 'node-002' ? 90 : 14 + 0.1 * (i % 3),
          throughput_gbps: 36 + 0.1 * (i % 3),
          error_rate: 0.2 + 0.01 * (i % 3),
        };
      }
      const spread = 0.1 * (i % 5);
      return {
        latency_ms: ['node-010', 'node-011', 'node-012'].includes(node.node_id)
          ? 25
          : node.node_id === 'node-020'
            ? 70
            : 10 + spread,
        throughput_gbps: 9 + spread,
        error_rate: node.node_id === 'node-025' ? 3 : 0.1 + spread / 10,
      };
    });
    for (const peerGroup of ['role', 'deployment']) {
      const r = await bottlenecks(d.id, { method: 'mad', peer_group: peerGroup });
      const of = (name: string) => r.bottlenecks.find((b) => b.node_identifier === name)!;
      for (const name of ['node-010', 'node-011', 'node-012']) {
        expect({ peerGroup, name, causes: of(name).likely_caused_by }).toEqual({
          peerGroup,
          name,
          causes: [byName.get('node-002')],
        });
      }
      expect(of('node-002')).toMatchObject({ role: 'spine', explains: 3, likely_caused_by: [] });
      expect(of('node-020').likely_caused_by).toEqual([]);
      expect(of('node-025')).toMatchObject({ likely_caused_by: [], explains: 0 });
      expect(of('node-025').metrics.latency_ms.triggered).toBe(false);
      // The rule, by hand: the spine's excess over its centre, shared by 4 uplinks, covers
      // 15 ms but not 60 ms.
      const spine = of('node-002').metrics.latency_ms;
      const share = (spine.value - spine.baseline) / 4;
      const leaf = of('node-010').metrics.latency_ms;
      expect(leaf.value - leaf.baseline).toBeLessThanOrEqual(share);
      const own = of('node-020').metrics.latency_ms;
      expect(own.value - own.baseline).toBeGreaterThan(share);
      for (const b of r.bottlenecks) {
        if (b.role !== 'spine') expect(b.explains).toBe(0);
      }
    }
    // With zscore a single outlier among n peers stays below z = sqrt(n - 1): among 4 spines the
    // slow one reaches ~1.71, so by role it is flagged at threshold 1.5 but not at the default 2.
    const z = await bottlenecks(d.id, {});
    expect(flaggedNames(z)).not.toContain('node-002');
    const lower = await bottlenecks(d.id, { threshold: 1.5 });
    const slow = lower.bottlenecks.find((b) => b.node_identifier === 'node-002')!;
    expect(slow.metrics.latency_ms.z).toBeGreaterThan(1.5);
    expect(slow.metrics.latency_ms.z).toBeLessThan(Math.sqrt(3));
  });

  it('gives a deployment without a topology the same results under both peer groups', async () => {
    const { id, nodes } = await createFabric(api, { name: NAME, target_node_count: 20 });
    await push(id, nodes, (_, i) => ({
      latency_ms: i % 7 === 3 ? 60 + i : 10 + (i % 4),
      throughput_gbps: i % 7 === 3 ? 3 : 9 + (i % 3) / 10,
      error_rate: i % 9 === 0 ? 2 : 0.1,
    }));
    // Today's fields, without the instant of the request.
    const seedFields = (r: Result) => {
      const copy: Record<string, unknown> = { ...r };
      for (const key of ['detected_at', 'window_start', 'window_end', 'peer_group', 'baselines']) {
        delete copy[key];
      }
      copy.bottlenecks = r.bottlenecks.map((b) => {
        const rest: Record<string, unknown> = { ...b };
        for (const key of ['role', 'likely_caused_by', 'explains']) delete rest[key];
        return rest;
      });
      return JSON.stringify(copy);
    };
    for (const method of ['zscore', 'mad'] as const) {
      for (const minSamples of [1, 12, 13]) {
        const q = { method, min_samples: minSamples };
        const plain = await bottlenecks(id, q);
        const byRole = await bottlenecks(id, { ...q, peer_group: 'role' });
        const pooled = await bottlenecks(id, { ...q, peer_group: 'deployment' });
        expect(seedFields(byRole)).toBe(seedFields(plain));
        expect(seedFields(pooled)).toBe(seedFields(plain));
        if (minSamples === 13) {
          expect(plain.nodes_analyzed).toBe(0);
          expect(plain.baselines).toEqual({});
          continue;
        }
        expect(plain.bottlenecks.length).toBeGreaterThan(0);
        expect(plain.bottlenecks.every((b) => b.role === 'leaf' && b.explains === 0)).toBe(true);
        expect(Object.keys(byRole.baselines)).toEqual(['leaf']);
        expect(Object.keys(pooled.baselines)).toEqual(['deployment']);
        const { nodes_analyzed, samples_analyzed, ...leaf } = byRole.baselines.leaf;
        expect(leaf).toEqual(byRole.baseline);
        expect([nodes_analyzed, samples_analyzed]).toEqual([20, 240]);
        await expectMatchesReference(id, pooled, method);
      }
    }
  });

  it('rejects an unknown peer group with 422', async () => {
    const d = await fabric({ spines: 1, leaves: 1 });
    const res = await api.http.get(`/deployments/${d.id}/bottlenecks?peer_group=pod`).expect(422);
    expectError(res.body, 422, /peer_group/);
  });
});
