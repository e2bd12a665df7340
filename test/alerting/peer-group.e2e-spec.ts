import { expectError } from '../support/errors';
import { close } from '../support/bottleneck-reference';
import { pollUntil } from '../support/poll';
import { deleteQueuePrefix, recurringRuns } from '../support/queues';
import { createFabric } from '../support/deployments';
import { pushSamples } from '../support/samples';
import { Service, startService } from '../support/service';

// Queues of this suite's own; nodes never reach RUNNING (no collected samples mix with the
// pushed ones), so the window holds exactly what the test pushed.
const PREFIX = `${process.env.QUEUE_PREFIX}_alert_peer_group`;
const ENV = { QUEUE_PREFIX: PREFIX, ALERT_EVAL_INTERVAL_MS: '400', SIM_TIME_SCALE: '1000' };

let svc: Service;
let deploymentId: number | undefined;

beforeAll(async () => {
  svc = await startService(ENV);
});

afterAll(async () => {
  if (deploymentId !== undefined) await svc?.http.delete(`/deployments/${deploymentId}`);
  await svc?.stop();
  await deleteQueuePrefix(PREFIX);
});

interface Alert {
  node_id: number;
  rule_id: number;
  state: string;
  deviation_score: number;
  metrics: Record<string, { value: number; baseline: number; z: number }>;
}

interface Bottleneck {
  node_id: number;
  deviation_score: number;
  metrics: Record<string, { value: number; baseline: number; z: number }>;
}

const WINDOW = 5;
const THRESHOLD = 2.5;

describe('alert rules by peer group', () => {
  it('role compares spines with spines; deployment pools every node; the numbers are those of GET .../bottlenecks', async () => {
    const { id, nodes } = await createFabric(svc, {
      name: `peer-group-${Date.now()}`,
      topology: { spines: 4, leaves: 16 },
    });
    deploymentId = id;
    const spines = nodes.filter((n) => n.role === 'spine');
    const leaves = nodes.filter((n) => n.role === 'leaf');
    expect(spines).toHaveLength(4);
    const slowLeaf = leaves[5];

    // Spines run 30 ms slower than leaves and carry four times their throughput (their role's
    // normal); one leaf is slow against every node.
    const now = Date.now();
    const samples = nodes.flatMap((n) =>
      Array.from({ length: 12 }, (_, k) => ({
        node_id: n.id,
        timestamp: new Date(now - 10_000 - k * 15_000).toISOString(),
        latency_ms: (n.role === 'spine' ? 40 : n === slowLeaf ? 60 : 10) + 0.01 * (k % 3),
        throughput_gbps: (n.role === 'spine' ? 40 : 10) + 0.01 * (k % 3),
        error_rate: 0.01,
      })),
    );
    await pushSamples(svc, id, samples);

    const rule = (body: Record<string, unknown>) =>
      svc.http
        .post(`/deployments/${id}/alert-rules`)
        .send({
          method: 'mad',
          threshold: THRESHOLD,
          window_minutes: WINDOW,
          for_seconds: 0,
          ...body,
        })
        .expect(201);
    const byDefault = (await rule({ name: 'by-default' })).body;
    expect(byDefault.peer_group).toBe('role');
    const byRole = (await rule({ name: 'by-role', peer_group: 'role' })).body;
    const pooled = (await rule({ name: 'pooled', peer_group: 'deployment' })).body;
    expect(pooled.peer_group).toBe('deployment');
    expect(
      (await svc.http.get(`/deployments/${id}/alert-rules/${pooled.id}`).expect(200)).body
        .peer_group,
    ).toBe('deployment');

    const firing = async (ruleId: number) => {
      const res = await svc.http.get(`/deployments/${id}/alerts?state=firing`).expect(200);
      return (res.body as Alert[]).filter((a) => a.rule_id === ruleId);
    };
    const expected = async (peer: string) =>
      (
        await svc.http
          .get(`/deployments/${id}/bottlenecks`)
          .query({
            method: 'mad',
            threshold: THRESHOLD,
            analysis_window_minutes: WINDOW,
            peer_group: peer,
          })
          .expect(200)
      ).body.bottlenecks as Bottleneck[];

    const roleWant = await expected('role');
    const poolWant = await expected('deployment');
    // The data does what it is meant to: by role only the slow leaf stands out; pooled, the
    // spines do too.
    expect(roleWant.map((b) => b.node_id)).toEqual([slowLeaf.id]);
    expect(poolWant.map((b) => b.node_id).sort((a, b) => a - b)).toEqual(
      [...spines.map((s) => s.id), slowLeaf.id].sort((a, b) => a - b),
    );

    const check = async (ruleId: number, want: Bottleneck[]) => {
      const got = await pollUntil(async () => {
        const a = await firing(ruleId);
        return a.length === want.length && a;
      }, `rule ${ruleId} firing on ${want.length} nodes`);
      const byNode = new Map(got.map((a) => [a.node_id, a]));
      for (const b of want) {
        const a = byNode.get(b.node_id)!;
        expect(a).toBeDefined();
        expect(close(a.deviation_score, b.deviation_score)).toBe(true);
        expect(close(a.metrics.latency_ms.z, b.metrics.latency_ms.z)).toBe(true);
        expect(close(a.metrics.latency_ms.baseline, b.metrics.latency_ms.baseline)).toBe(true);
      }
    };
    await check(byDefault.id, roleWant);
    await check(byRole.id, roleWant);
    await check(pooled.id, poolWant);
    // Still only the slow leaf after four more evaluations.
    await recurringRuns('alerting', 'evaluate-alerts', 4, { prefix: PREFIX });
    expect((await firing(byRole.id)).map((a) => a.node_id)).toEqual([slowLeaf.id]);

    // PATCH: the role rule now pools every node and its spines fire too.
    const patched = await svc.http
      .patch(`/deployments/${id}/alert-rules/${byRole.id}`)
      .send({ peer_group: 'deployment' })
      .expect(200);
    expect(patched.body).toMatchObject({ peer_group: 'deployment', method: 'mad' });
    await check(byRole.id, poolWant);

    for (const bad of ['rack', 'ROLE', 3, null]) {
      const res = await svc.http
        .post(`/deployments/${id}/alert-rules`)
        .send({ name: 'bad', peer_group: bad })
        .expect(422);
      expectError(res.body, 422, /peer_group/);
      const patch = await svc.http
        .patch(`/deployments/${id}/alert-rules/${byRole.id}`)
        .send({ peer_group: bad })
        .expect(422);
      expectError(patch.body, 422, /peer_group/);
    }
    const rules = (await svc.http.get(`/deployments/${id}/alert-rules`).expect(200)).body;
    expect(rules.map((r: { peer_group: string }) => r.peer_group)).toEqual([
      'role',
      'deployment',
      'deployment',
    ]);
  });
});
