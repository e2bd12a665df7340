import { Pool } from 'pg';
import { NodeRole } from '../../src/domain/node-role';
import { generateSample, uplinkDelayMs } from '../../src/simulation/telemetry-generator';
import { testPool } from '../support/database';
import { deleteQueuePrefix } from '../support/queues';
import { pollUntil } from '../support/poll';
import { Service, startService } from '../support/service';

/**
 * Collected telemetry of a fabric: spines report by their own profile, and every leaf's latency
 * carries its share of the slow spine's excess. On queues of its own, so its schedules and ticks
 * never reach another suite; the fabric goes with it.
 */
const PREFIX = `${process.env.QUEUE_PREFIX}_topology`;
let service: Service;
let db: Pool;

beforeAll(async () => {
  db = testPool();
  service = await startService({
    APP_ROLE: 'all',
    QUEUE_PREFIX: PREFIX,
    SIM_TIME_SCALE: '0',
    SIM_FAILURE_RATE: '0',
    TELEMETRY_INTERVAL_MS: '1000',
  });
});

afterAll(async () => {
  await service?.stop();
  await db?.end();
  await deleteQueuePrefix(PREFIX);
});

describe('collected telemetry of a fabric', () => {
  it('adds the slow spine`s share of its latency excess to every leaf, as the simulation says', async () => {
    // Spines node-001..node-008: node-008 is in the seed's slow minority.
    const created = await service.http
      .post('/deployments')
      .send({ name: 'collected-fabric', topology: { spines: 8, leaves: 3, border_leaves: 1 } })
      .expect(201);
    const id = created.body.id as number;
    const { rows: nodes } = await db.query<{ id: number; seq: number; role: NodeRole }>(
      `SELECT id, seq, role FROM nodes WHERE deployment_id = $1 ORDER BY seq`,
      [id],
    );
    await pollUntil(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM nodes WHERE deployment_id = $1 AND state = 'RUNNING'`,
        [id],
      );
      return rows[0].n === nodes.length ? true : undefined;
    }, 'every node RUNNING');
    // A tick collected after every node was RUNNING: a sample for each node.
    const tick = await pollUntil(async () => {
      const { rows } = await db.query<{ t: Date }>(
        `SELECT "timestamp" AS t FROM telemetry_samples WHERE deployment_id = $1
         GROUP BY 1 HAVING count(*) = $2 ORDER BY 1 DESC LIMIT 1`,
        [id, nodes.length],
      );
      return rows[0]?.t;
    }, 'a tick of every node');
    const { rows: samples } = await db.query(
      `SELECT node_id, latency_ms, throughput_gbps, error_rate FROM telemetry_samples
       WHERE deployment_id = $1 AND "timestamp" = $2`,
      [id, tick],
    );
    const t = tick.getTime();
    const spines = nodes.filter((n) => n.role === NodeRole.SPINE);
    const delay = uplinkDelayMs(spines, spines.length, t);
    expect(delay).toBeGreaterThan(4);
    for (const node of nodes) {
      const got = samples.find((s) => s.node_id === node.id)!;
      const expected = generateSample(node.id, node.seq, t, node.role, delay);
      expect({
        node: node.seq,
        got: [got.latency_ms, got.throughput_gbps, got.error_rate],
      }).toEqual({
        node: node.seq,
        got: [expected.latencyMs, expected.throughputGbps, expected.errorRate],
      });
    }
    // Spines carry four times a leaf's throughput.
    const leaf = samples.find((s) => s.node_id === nodes[11].id)!;
    const spine = samples.find((s) => s.node_id === nodes[0].id)!;
    expect(spine.throughput_gbps / leaf.throughput_gbps).toBeGreaterThan(3);
    await service.http.delete(`/deployments/${id}`).expect(204);
  });
});
