import { Pool } from 'pg';
import { LIFECYCLE_SHARD_SIZE } from '../../src/lifecycle/lifecycle.constants';
import {
  ADMISSION_CLAIM_SQL,
  advanceSql,
  SHARD_CLAIM_SQL,
} from '../../src/store/node-transition-sql';
import {
  ClaimedNode,
  planTransitions,
  SimulationSettings,
} from '../support/reference/transition-plan';
import { NodeState } from '../../src/domain/node-state';
import { cleanUp, startWithPool } from '../support/suite';
import { Service } from '../support/service';

/**
 * The batch statement applies the simulation model in SQL; planTransitions is the same model in
 * TypeScript, unit-tested on its own. Here both plan the same nodes and must agree on every
 * state, step length (to the ms), management address, reason and event.
 */
let api: Service;
let db: Pool;

beforeAll(async () => {
  ({ api, db } = await startWithPool());
});

afterAll(() => cleanUp({ service: api, db }));

const { PENDING, PROVISIONING, CONFIGURING, RUNNING, FAILED } = NodeState;

/** A deployment written directly: `due` nodes in each schedulable state, plus some not due. */
async function seed(perState: number): Promise<number> {
  const [{ id }] = (
    await db.query(
      `INSERT INTO deployments (name, target_node_count) VALUES ('transition-sql', 1) RETURNING id`,
    )
  ).rows;
  const states = [PENDING, PROVISIONING, CONFIGURING, FAILED];
  await db.query(
    `INSERT INTO nodes (deployment_id, seq, node_id, hostname, state, attempt, ip_address, next_step_at)
     SELECT $1, g, 'node-' || g, 'switch-' || g, ($2::text[])[1 + (g - 1) % 4],
            -- attempts 0..3 so retries and fresh draws are both covered; a FAILED node that is
            -- due was marked for retry, so its attempt is at least 1
            CASE WHEN ($2::text[])[1 + (g - 1) % 4] = 'FAILED' THEN 1 + g % 3 ELSE g % 4 END,
            CASE WHEN ($2::text[])[1 + (g - 1) % 4] IN ('PENDING') THEN NULL ELSE '192.0.2.1' END,
            now() - interval '1 second' - g * interval '1 millisecond'
     FROM generate_series(1, $3::int) AS g`,
    [id, states, perState * states.length],
  );
  // Not due, or not schedulable: never moved.
  const top = perState * states.length;
  await db.query(
    `INSERT INTO nodes (deployment_id, seq, node_id, hostname, state, attempt, next_step_at)
     VALUES ($1, $2 + 1, 'later', 'h', 'PROVISIONING', 0, now() + interval '1 hour'),
            ($1, $2 + 2, 'running', 'h', 'RUNNING', 0, NULL),
            ($1, $2 + 3, 'failed', 'h', 'FAILED', 0, NULL)`,
    [id, top],
  );
  return id;
}

interface NodeRow {
  id: number;
  seq: number;
  state: NodeState;
  attempt: number;
  ip_address: string | null;
  due_ms: number | null;
  step_ms: number | null;
}

async function nodes(deploymentId: number): Promise<Map<number, NodeRow>> {
  const { rows } = await db.query<NodeRow>(
    `SELECT id, seq, state, attempt, ip_address,
            (extract(epoch FROM next_step_at) * 1000)::float8 AS due_ms,
            (extract(epoch FROM next_step_at - state_changed_at) * 1000)::float8 AS step_ms
     FROM nodes WHERE deployment_id = $1`,
    [deploymentId],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

async function run(sql: string, params: unknown[]) {
  return (await db.query(sql, params)).rows as {
    shard: number;
    moved: number;
    ended: boolean;
    entered: boolean;
    entered_due_ms: number | null;
  }[];
}

describe('The batch statement against planTransitions', () => {
  it.each<[SimulationSettings]>([
    [{ timeScale: 1, failureRate: 0.05 }],
    [{ timeScale: 0.37, failureRate: 0.5 }],
    [{ timeScale: 0, failureRate: 1 }],
    [{ timeScale: 2, failureRate: 0 }],
  ])('moves every due node of a shard as the model plans it (%p)', async (sim) => {
    const perState = 120;
    const id = await seed(perState);
    const before = await nodes(id);
    const due = [...before.values()].filter(
      (n) => n.due_ms !== null && n.due_ms <= Date.now() && n.state !== RUNNING,
    );
    expect(due).toHaveLength(perState * 4);
    const claimed: ClaimedNode[] = due.map((n) => ({
      id: n.id,
      seq: n.seq,
      state: n.state,
      attempt: n.attempt,
      dueAtMs: n.due_ms!,
    }));
    const plan = new Map(planTransitions(claimed, sim).map((t) => [t.id, t]));

    const result = await run(advanceSql(SHARD_CLAIM_SQL), [
      id,
      LIFECYCLE_SHARD_SIZE,
      sim.timeScale,
      sim.failureRate,
      'req-1',
      LIFECYCLE_SHARD_SIZE,
      1,
      LIFECYCLE_SHARD_SIZE,
      false,
    ]);
    expect(result).toEqual([
      expect.objectContaining({ shard: 0, moved: perState * 4, ended: true, entered: true }),
    ]);

    const after = await nodes(id);
    for (const [nodeId, t] of plan) {
      const n = after.get(nodeId)!;
      expect({ id: nodeId, state: n.state, step_ms: n.step_ms }).toEqual({
        id: nodeId,
        state: t.to,
        step_ms: t.durationMs,
      });
      // A node keeps an address it has (given by the inventory, or by an earlier attempt).
      expect(n.ip_address).toBe(before.get(nodeId)!.ip_address ?? t.ipAddress);
    }
    // Nothing else moved.
    for (const n of before.values()) {
      if (!plan.has(n.id)) expect(after.get(n.id)).toEqual(n);
    }

    const { rows: events } = await db.query(
      `SELECT node_id, node_identifier, from_state, to_state, reason, request_id,
              (metadata->>'attempt')::int AS attempt,
              (extract(epoch FROM (metadata->>'scheduled_at')::timestamptz) * 1000)::float8 AS scheduled_ms,
              (extract(epoch FROM (metadata->>'next_step_at')::timestamptz) * 1000)::float8 AS next_ms
       FROM events WHERE deployment_id = $1 AND type = 'STATE_CHANGE'`,
      [id],
    );
    expect(events).toHaveLength(plan.size);
    for (const e of events) {
      const t = plan.get(e.node_id)!;
      const entering = t.from === PENDING || t.from === FAILED;
      expect(e).toEqual({
        node_id: t.id,
        node_identifier: `node-${t.seq}`,
        from_state: t.from,
        to_state: t.to,
        reason: t.reason,
        request_id: entering ? 'req-1' : null,
        attempt: t.attempt,
        scheduled_ms: expect.closeTo(t.dueAtMs, 3),
        next_ms: t.durationMs === null ? null : expect.closeTo(after.get(t.id)!.due_ms!, 3),
      });
    }
    if (sim.failureRate === 1) {
      expect([...plan.values()].filter((t) => t.from === CONFIGURING).map((t) => t.to)).toEqual(
        Array(perState).fill(FAILED),
      );
    }
    if (sim.failureRate === 0) {
      expect(
        [...plan.values()].filter((t) => t.from === CONFIGURING).every((t) => t.to === RUNNING),
      ).toBe(true);
    }

    // A batch that runs again never repeats a move. With steps that take time it finds nothing
    // due and changes nothing; at SIM_TIME_SCALE=0 the next steps are due at once and move on.
    const again = await run(advanceSql(SHARD_CLAIM_SQL), [
      id,
      LIFECYCLE_SHARD_SIZE,
      sim.timeScale,
      sim.failureRate,
      'req-2',
      LIFECYCLE_SHARD_SIZE,
      1,
      LIFECYCLE_SHARD_SIZE,
      false,
    ]);
    if (sim.timeScale > 0) {
      expect(again.filter((r) => r.moved > 0)).toEqual([]);
      expect(await nodes(id)).toEqual(after);
    }
    const { rows: repeated } = await db.query(
      `SELECT node_id, from_state, metadata->>'attempt' AS attempt, count(*)::int AS n
       FROM events WHERE deployment_id = $1 AND type = 'STATE_CHANGE'
       GROUP BY 1, 2, 3 HAVING count(*) > 1`,
      [id],
    );
    expect(repeated).toEqual([]);
  });

  it('under max_parallel moves only timed steps in the shard, and admits lowest numbers first', async () => {
    const id = await seed(10);
    const timedOnly = await run(advanceSql(SHARD_CLAIM_SQL), [
      id,
      LIFECYCLE_SHARD_SIZE,
      1,
      0.05,
      null,
      LIFECYCLE_SHARD_SIZE,
      1,
      LIFECYCLE_SHARD_SIZE,
      true,
    ]);
    expect(timedOnly).toEqual([expect.objectContaining({ moved: 20, entered: false })]);

    const admitted = await run(advanceSql(ADMISSION_CLAIM_SQL), [
      id,
      5,
      1,
      0.05,
      'req-3',
      LIFECYCLE_SHARD_SIZE,
    ]);
    expect(admitted).toEqual([expect.objectContaining({ shard: 0, moved: 5, entered: true })]);
    const { rows } = await db.query(
      `SELECT seq FROM nodes WHERE deployment_id = $1 AND state = 'PROVISIONING'
         AND state_changed_at = (SELECT max(state_changed_at) FROM nodes WHERE deployment_id = $1)
       ORDER BY seq`,
      [id],
    );
    // Waiting nodes are seq 1, 5, 9 ... (PENDING) and 4, 8, 12 ... (FAILED, marked for retry).
    expect(rows.map((r) => r.seq)).toEqual([1, 4, 5, 8, 9]);
    expect(admitted[0].entered_due_ms).toBeGreaterThan(Date.now());
  });

  it('fails the batch rather than give a node an address outside 10.0.0.0/8', async () => {
    const [{ id }] = (
      await db.query(
        `INSERT INTO deployments (name, target_node_count) VALUES ('beyond', 1) RETURNING id`,
      )
    ).rows;
    await db.query(
      `INSERT INTO nodes (id, deployment_id, seq, node_id, hostname, state, next_step_at)
       VALUES (16777215, $1, 1, 'node-001', 'h', 'PENDING', now())`,
      [id],
    );
    try {
      await expect(
        run(advanceSql(SHARD_CLAIM_SQL), [
          id,
          10,
          1,
          0.05,
          null,
          LIFECYCLE_SHARD_SIZE,
          1,
          10,
          false,
        ]),
      ).rejects.toThrow(/node id 16777215 has no management address in 10.0.0.0\/8/);
    } finally {
      await db.query(`DELETE FROM deployments WHERE id = $1`, [id]);
    }
  });
});
