import { BuiltSqlExample } from '../database/generate-sql';
import { EventType } from '../domain/event-type';
import { NodeState } from '../domain/node-state';
import {
  CONFIGURING_MS,
  CONFIGURING_SALT,
  FAILURE_SALT,
  MAX_MANAGEMENT_NODE_ID,
  PROVISIONING_MS,
  PROVISIONING_SALT,
  REASONS,
  RETRY_REASON,
} from '../simulation/lifecycle-model';
import { latenessSummarySql } from './transition-lateness-sql';

/**
 * The statement that moves one batch of due nodes: it claims them (FOR UPDATE SKIP LOCKED,
 * bounded), moves each to its next state with its next next_step_at and writes their
 * STATE_CHANGE events, in one round trip. This statement is the only code that moves nodes: the
 * next state, step length, failure verdict, management address and reason are the simulation
 * model, generated from the constants of src/simulation/lifecycle-model.ts;
 * test/lifecycle/transition-sql.e2e-spec.ts holds it to the TypeScript reference in test/support/reference/
 * node by node. Planning inside the statement spares the claimed rows a trip to the worker and
 * back in every batch. It writes the moves' events itself, in the same statement: the one place
 * outside the events repository that inserts events, for the hot path's sake.
 *
 * Parameters: $1 deployment, $2 most nodes to move, $3 SIM_TIME_SCALE, $4 SIM_FAILURE_RATE,
 * $5 request id (recorded on the moves that enter PROVISIONING), $6 shard size; the shard claim
 * adds $7..$8 (its node numbers) and $9 (whether the deployment has max_parallel: then only its
 * timed steps move here).
 *
 * Returns one row per shard touched: nodes moved, whether any ended (RUNNING or FAILED),
 * whether any entered PROVISIONING, the earliest step end among those (epoch ms), and the moves'
 * lateness (now() minus the step end as scheduled) for the worker metrics: how many were at most
 * each TRANSITION_LATENESS_BUCKETS bound late (cumulative) and their sum in seconds.
 */

/** lifecycleDraw(salt, d.id, d.attempt) in SQL. */
function drawSql(salt: number): string {
  return `(('x' || left(md5('${salt}:' || d.id || ':' || d.attempt), 8))::bit(32)::bigint::float8
           / 4294967296::float8)`;
}

/** stepDurationMs for a timed state: min + floor(draw * span), scaled by $3 and rounded. */
function durationSql(range: { min: number; max: number }, salt: number): string {
  return `floor((${range.min} + floor(${drawSql(salt)} * ${range.max - range.min + 1}))
                * $3::float8 + 0.5::float8)`;
}

/**
 * managementAddress(d.id). An id outside 10.0.0.0/8 fails the statement, as it throws there: the
 * message is cast to inet only on that branch, and is not an address.
 */
const ADDRESS_SQL = `CASE WHEN d.id BETWEEN 1 AND ${MAX_MANAGEMENT_NODE_ID}
  THEN '10.' || (d.id >> 16) || '.' || ((d.id >> 8) & 255) || '.' || (d.id & 255)
  ELSE ('node id ' || d.id || ' has no management address in 10.0.0.0/8')::inet::text END`;

const { PENDING, PROVISIONING, CONFIGURING, RUNNING, FAILED } = NodeState;

/** nextScheduledState, with a due FAILED node (marked for retry) re-entering PROVISIONING. */
const NEXT_STATE_SQL = `CASE d.state
  WHEN '${PENDING}' THEN '${PROVISIONING}'
  WHEN '${FAILED}' THEN '${PROVISIONING}'
  WHEN '${PROVISIONING}' THEN '${CONFIGURING}'
  WHEN '${CONFIGURING}' THEN
    CASE WHEN ${drawSql(FAILURE_SALT)} < $4::float8 THEN '${FAILED}' ELSE '${RUNNING}' END
END`;

const REASON_SQL = `CASE WHEN d.state = '${FAILED}' THEN '${RETRY_REASON}' ELSE CASE d.to_state
  ${Object.entries(REASONS)
    .map(([to, reason]) => `WHEN '${to}' THEN '${reason}'`)
    .join('\n  ')}
END END`;

/** stepDurationMs of the state entered; null when it ends the rollout. */
const DURATION_SQL = `CASE d.to_state
  WHEN '${PROVISIONING}' THEN ${durationSql(PROVISIONING_MS, PROVISIONING_SALT)}
  WHEN '${CONFIGURING}' THEN ${durationSql(CONFIGURING_MS, CONFIGURING_SALT)}
END`;

/** Due nodes of one shard ($7..$8); only the timed ones when $9 (max_parallel) is set. */
export const SHARD_CLAIM_SQL = `
  SELECT ctid, id, seq, state, attempt, next_step_at FROM nodes
  WHERE deployment_id = $1 AND seq BETWEEN $7 AND $8 AND next_step_at <= now()
    AND state IN ('${PROVISIONING}', '${CONFIGURING}', '${PENDING}', '${FAILED}')
    AND (state IN ('${PROVISIONING}', '${CONFIGURING}') OR NOT $9::boolean)
  ORDER BY next_step_at, seq LIMIT $2 FOR UPDATE SKIP LOCKED`;

/** Waiting nodes of the whole deployment, lowest node numbers first (max_parallel admission). */
export const ADMISSION_CLAIM_SQL = `
  SELECT ctid, id, seq, state, attempt, next_step_at FROM nodes
  WHERE deployment_id = $1 AND next_step_at <= now() AND state IN ('${PENDING}', '${FAILED}')
  ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED`;

/**
 * The claim, then each node's next state, computed once (MATERIALIZED: the failure draw would
 * otherwise run again for every use of it), then the step length, reason and address (each used
 * once), the moves, their events, and a summary per shard.
 */
export function advanceSql(claimSql: string): string {
  return `WITH due AS MATERIALIZED (${claimSql}
  ), stepped AS MATERIALIZED (
    SELECT d.ctid, d.id, d.state, d.attempt, d.next_step_at AS due_at, (${NEXT_STATE_SQL}) AS to_state
    FROM due d
  ), planned AS (
    SELECT d.*, (${DURATION_SQL}) AS duration_ms, (${REASON_SQL}) AS reason,
           CASE WHEN d.to_state = '${PROVISIONING}' THEN ${ADDRESS_SQL} END AS ip_address
    FROM stepped d
  ), moved AS (
    UPDATE nodes n
    SET state = p.to_state,
        next_step_at = now() + p.duration_ms * interval '1 millisecond',
        -- a given management address (an inventory's node) stays; generated nodes get 10.x
        ip_address = COALESCE(n.ip_address, p.ip_address),
        state_changed_at = now(),
        updated_at = now()
    FROM planned p
    -- the claim above locked these rows, so each is where the claim saw it: one TID probe, no
    -- index descent; id, deployment, state and attempt are guards all the same
    WHERE n.ctid = p.ctid AND n.id + 0 = p.id AND n.deployment_id + 0 = $1
      AND n.state = p.state AND n.attempt = p.attempt
    RETURNING n.id, n.node_id, n.seq, n.next_step_at, p.state AS from_state, p.to_state, p.reason,
              p.attempt, p.due_at
  ), logged AS (
    INSERT INTO events (deployment_id, node_id, node_identifier, type, from_state, to_state,
                        reason, metadata, request_id)
    SELECT $1, m.id, m.node_id, '${EventType.STATE_CHANGE}', m.from_state, m.to_state, m.reason,
           jsonb_build_object('attempt', m.attempt, 'scheduled_at', m.due_at,
                              'next_step_at', m.next_step_at),
           CASE WHEN m.from_state IN ('${PENDING}', '${FAILED}') THEN $5::varchar END
    FROM moved m
  )
  SELECT (m.seq - 1) / $6 AS shard, count(*)::int AS moved,
         bool_or(m.to_state IN ('${RUNNING}', '${FAILED}')) AS ended,
         bool_or(m.from_state IN ('${PENDING}', '${FAILED}')) AS entered,
         (extract(epoch FROM min(m.next_step_at)
            FILTER (WHERE m.from_state IN ('${PENDING}', '${FAILED}'))) * 1000)::float8 AS entered_due_ms,
         ${latenessSummarySql('m.due_at')}
  FROM moved m GROUP BY 1`;
}

/** The batch statement of each claim, for the catalogue of the SQL that runs. */
export const SQL_EXAMPLES: BuiltSqlExample[] = [
  {
    name: 'advanceSql(SHARD_CLAIM_SQL): the due nodes of one shard',
    sql: advanceSql(SHARD_CLAIM_SQL),
    params: [7, 500, 1, 0.05, 'request-1', 1000, 1, 1000, false],
  },
  {
    name: 'advanceSql(ADMISSION_CLAIM_SQL): pending and failed nodes to admit',
    sql: advanceSql(ADMISSION_CLAIM_SQL),
    params: [7, 500, 1, 0.05, 'request-1', 1000],
  },
];
