import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EventType } from '../domain/event-type';
import { Queryable } from '../store/queryable';
import { DriverPhase, ENTERING_STATE, ProvisioningConfig } from './provisioning';

/** A driver_runs row as PostgreSQL returns it. */
export interface DriverRunRow {
  id: string;
  deployment_id: number;
  driver: ProvisioningConfig['driver'];
  phase: DriverPhase;
  config: ProvisioningConfig;
  status: DriverRunStatus;
  node_ids: number[];
  nodes: number;
  succeeded: number;
  failed: number;
  callback_token_hash: Buffer | null;
  attempts: number;
  started_at: Date;
  submitted_at: Date | null;
  deadline: Date;
  finished_at: Date | null;
  output_tail: string | null;
}

export type DriverRunStatus =
  'running' | 'succeeded' | 'failed' | 'partial' | 'timed_out' | 'cancelled';

/** One node's verdict as a driver reports it. */
export interface NodeResult {
  node_id: number;
  status: 'succeeded' | 'failed';
  message?: string | null;
}

/** What one application of results did: the nodes it moved and the run after it. */
export interface AppliedResults {
  moved: { id: number; to_state: string; status: string }[];
  run:
    | (Pick<
        DriverRunRow,
        'id' | 'deployment_id' | 'driver' | 'phase' | 'status' | 'nodes' | 'succeeded' | 'failed'
      > & { started_at: string; finished_at: string | null; config: ProvisioningConfig })
    | null;
}

/** How the claim finds the nodes that just entered the phase. */
export type EnteredNodes = { seqs: [number, number] } | { ids: number[] } | { all: true };

/**
 * The driver runs' SQL. Every change here is set-based: a claim is one statement for every run
 * of a batch, and the results of a callback or of a finished run are one statement.
 */
@Injectable()
export class DriverRunsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The deployment's provisioning, or null for the simulator. */
  async provisioningOf(q: Queryable, deploymentId: number): Promise<ProvisioningConfig | null> {
    const rows: { config: ProvisioningConfig }[] = await q.query(
      `SELECT config FROM deployment_provisioning WHERE deployment_id = $1`,
      [deploymentId],
    );
    return rows[0]?.config ?? null;
  }

  /** Sets (or, for the simulator, removes) the provisioning of nodes admitted from now on. */
  async setProvisioning(
    q: Queryable,
    deploymentId: number,
    config: ProvisioningConfig,
  ): Promise<void> {
    if (config.driver === 'simulator') {
      await q.query(`DELETE FROM deployment_provisioning WHERE deployment_id = $1`, [deploymentId]);
      return;
    }
    await q.query(
      `INSERT INTO deployment_provisioning (deployment_id, config) VALUES ($1, $2)
       ON CONFLICT (deployment_id) DO UPDATE SET config = EXCLUDED.config, updated_at = now()`,
      [deploymentId, config],
    );
  }

  /**
   * Claims the nodes that entered the phase's state in this transaction (state_changed_at is the
   * transaction's now()) and are in no run yet: runs of at most batch_size nodes, each recorded
   * with its deadline and a DRIVER_RUN_STARTED event; the nodes wait for their run (no timed
   * step: next_step_at infinity, which no claim of the simulator ever reaches). Returns the ids.
   */
  async claim(
    q: Queryable,
    deploymentId: number,
    phase: DriverPhase,
    config: ProvisioningConfig,
    entered: EnteredNodes,
  ): Promise<string[]> {
    const where =
      'seqs' in entered
        ? 'AND seq BETWEEN $5 AND $6'
        : 'ids' in entered
          ? 'AND id = ANY($5::int[])'
          : '';
    const params: unknown[] = [deploymentId, ENTERING_STATE[phase], phase, config];
    if ('seqs' in entered) params.push(...entered.seqs);
    if ('ids' in entered) params.push(entered.ids);
    const rows: { id: string }[] = await q.query(
      `WITH entered AS (
         SELECT id, (row_number() OVER (ORDER BY seq) - 1) AS rn FROM nodes
         WHERE deployment_id = $1 AND state = $2 AND driver_run_id IS NULL
           AND state_changed_at = now() ${where}
       ), batches AS (
         SELECT rn / ($4::jsonb->>'batch_size')::int AS b, array_agg(id ORDER BY rn) AS ids
         FROM entered GROUP BY 1
       ), runs AS (
         INSERT INTO driver_runs (deployment_id, driver, phase, config, node_ids, nodes, deadline)
         SELECT $1, $4::jsonb->>'driver', $3, $4::jsonb, b.ids, cardinality(b.ids),
                now() + ($4::jsonb->>'timeout_seconds')::int * interval '1 second'
         FROM batches b
         RETURNING id, node_ids, nodes, driver, deadline
       ), marked AS (
         UPDATE nodes n SET driver_run_id = r.id, next_step_at = 'infinity'
         FROM runs r, unnest(r.node_ids) AS m(id)
         WHERE n.id = m.id AND n.deployment_id + 0 = $1
       ), logged AS (
         INSERT INTO events (deployment_id, type, metadata)
         SELECT $1, '${EventType.DRIVER_RUN_STARTED}',
                jsonb_build_object('run_id', r.id, 'driver', r.driver, 'phase', $3::text,
                                   'nodes', r.nodes, 'node_ids', to_jsonb(r.node_ids),
                                   'deadline', r.deadline)
         FROM runs r
       )
       SELECT id FROM runs`,
      params,
    );
    return rows.map((r) => r.id);
  }

  async deploymentOf(q: Queryable, runId: string): Promise<number | null> {
    const rows: { deployment_id: number }[] = await q.query(
      `SELECT deployment_id FROM driver_runs WHERE id = $1`,
      [runId],
    );
    return rows[0]?.deployment_id ?? null;
  }

  async get(runId: string, m: Queryable = this.dataSource): Promise<DriverRunRow | null> {
    const rows: DriverRunRow[] = await m.query(`SELECT * FROM driver_runs WHERE id = $1`, [runId]);
    return rows[0] ?? null;
  }

  /** A page of the deployment's runs, newest first, and how many it has. */
  async page(
    deploymentId: number,
    skip: number,
    limit: number,
  ): Promise<{ rows: DriverRunRow[]; total: number }> {
    const rows: (DriverRunRow & { total: number })[] = await this.dataSource.query(
      `SELECT *, count(*) OVER ()::int AS total FROM driver_runs WHERE deployment_id = $1
       ORDER BY started_at DESC, id DESC OFFSET $2 LIMIT $3`,
      [deploymentId, skip, limit],
    );
    return { rows, total: rows[0]?.total ?? 0 };
  }

  /** The run's nodes as the driver needs them (never a secret: those are resolved apart). */
  async nodesOf(run: DriverRunRow): Promise<RunNode[]> {
    return this.dataSource.query(
      `SELECT n.id, n.node_id, n.hostname, n.ip_address AS management_address, n.role, n.vars
       FROM nodes n WHERE n.id = ANY($1::int[]) AND n.driver_run_id = $2 ORDER BY n.seq`,
      [run.node_ids, run.id],
    );
  }

  /** Marks a send or start: counts the attempt and stores the hash of this attempt's token. */
  async markAttempt(runId: string, tokenHash: Buffer | null): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE driver_runs SET attempts = attempts + 1, callback_token_hash = $2
       WHERE id = $1 AND status = 'running' RETURNING id`,
      [runId, tokenHash],
    );
    return rows.length > 0;
  }

  /** The endpoint accepted the run (2xx): it is not sent again, even after a crash. */
  async markSubmitted(runId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE driver_runs SET submitted_at = now() WHERE id = $1 AND submitted_at IS NULL`,
      [runId],
    );
  }

  async saveOutput(runId: string, tail: string): Promise<void> {
    await this.dataSource.query(`UPDATE driver_runs SET output_tail = $2 WHERE id = $1`, [
      runId,
      tail,
    ]);
  }

  /**
   * Applies results to the run's nodes in one statement: each node still waiting for this run
   * moves on (provision: CONFIGURING, configure: RUNNING) or becomes FAILED with the message,
   * with its STATE_CHANGE event; the run's counts follow, and the run ends (status and
   * finished_at) once every node has a result. A node already moved (a duplicate) is ignored:
   * the first result wins. Results after the deadline are ignored unless `closing` (the
   * timeout and the cancel), which also names the run's end status and fails every node left.
   */
  async apply(
    q: Queryable,
    runId: string,
    results: NodeResult[],
    closing?: { status: 'timed_out' | 'cancelled' | 'failed'; message: string },
  ): Promise<AppliedResults> {
    const [row]: AppliedResults[] = await q.query(
      `WITH run AS MATERIALIZED (
         SELECT id, deployment_id, phase, driver, node_ids FROM driver_runs
         WHERE id = $1 AND status = 'running' AND ($3::text IS NOT NULL OR deadline > now())
         FOR UPDATE
       ), given AS (
         SELECT DISTINCT ON (r.node_id) r.node_id, r.status, left(r.message, 2000) AS message
         FROM jsonb_to_recordset($2::jsonb) AS r(node_id int, status text, message text)
         ORDER BY r.node_id
       ), res AS (
         SELECT node_id, status, message FROM given WHERE $3::text IS NULL
         UNION ALL
         SELECT m.id, 'failed', $4::text FROM run, unnest(run.node_ids) AS m(id)
         WHERE $3::text IS NOT NULL
       ), moved AS (
         UPDATE nodes n
         SET state = CASE WHEN res.status <> 'succeeded' THEN 'FAILED'
                          WHEN run.phase = 'provision' THEN 'CONFIGURING' ELSE 'RUNNING' END,
             -- a provisioned node waits for its configure run, claimed in this transaction
             next_step_at = CASE WHEN res.status = 'succeeded' AND run.phase = 'provision'
                                 THEN 'infinity'::timestamptz END,
             driver_run_id = NULL,
             state_changed_at = now(), updated_at = now()
         FROM res, run
         WHERE n.id = res.node_id AND n.driver_run_id = run.id
           AND n.deployment_id + 0 = run.deployment_id
           AND n.state = CASE run.phase WHEN 'provision' THEN 'PROVISIONING' ELSE 'CONFIGURING' END
         RETURNING n.id, n.node_id, n.attempt, n.state AS to_state, res.status, res.message,
                   run.phase, run.driver, run.deployment_id
       ), logged AS (
         INSERT INTO events (deployment_id, node_id, node_identifier, type, from_state, to_state,
                             reason, metadata)
         SELECT m.deployment_id, m.id, m.node_id, '${EventType.STATE_CHANGE}',
                CASE m.phase WHEN 'provision' THEN 'PROVISIONING' ELSE 'CONFIGURING' END,
                m.to_state,
                COALESCE(m.message, CASE m.to_state WHEN 'CONFIGURING' THEN 'provisioned'
                                                    WHEN 'RUNNING' THEN 'configured'
                                                    ELSE 'failed' END),
                jsonb_build_object('attempt', m.attempt, 'driver', m.driver, 'run_id', $1::uuid)
         FROM moved m
       ), tally AS (
         SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS ok,
                count(*) FILTER (WHERE status <> 'succeeded')::int AS bad
         FROM moved
       ), counted AS (
         UPDATE driver_runs r
         SET succeeded = r.succeeded + t.ok, failed = r.failed + t.bad,
             status = CASE WHEN $3::text IS NOT NULL THEN $3::text
                           WHEN r.succeeded + t.ok + r.failed + t.bad < r.nodes THEN r.status
                           WHEN r.failed + t.bad = 0 THEN 'succeeded'
                           WHEN r.succeeded + t.ok = 0 THEN 'failed'
                           ELSE 'partial' END,
             finished_at = CASE WHEN $3::text IS NOT NULL
                                  OR r.succeeded + t.ok + r.failed + t.bad >= r.nodes
                                THEN now() END
         FROM tally t, run
         WHERE r.id = run.id
         RETURNING r.id, r.deployment_id, r.driver, r.phase, r.status, r.nodes, r.succeeded,
                   r.failed, r.started_at, r.finished_at, r.config
       )
       SELECT COALESCE((SELECT json_agg(json_build_object('id', m.id, 'to_state', m.to_state,
                                                          'status', m.status))
                        FROM moved m), '[]'::json) AS moved,
              (SELECT row_to_json(c) FROM counted c) AS run`,
      [runId, JSON.stringify(results), closing?.status ?? null, closing?.message ?? null],
    );
    return row;
  }

  /** Runs still running past their deadline (the oldest first). */
  async overdue(limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM driver_runs WHERE status = 'running' AND deadline <= now()
       ORDER BY deadline LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  /** Running runs not yet accepted by their driver and older than `graceMs`: to send again. */
  async unsubmitted(graceMs: number, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM driver_runs
       WHERE status = 'running' AND submitted_at IS NULL
         AND started_at < now() - $1 * interval '1 millisecond'
       ORDER BY started_at LIMIT $2`,
      [graceMs, limit],
    );
    return rows.map((r) => r.id);
  }

  /** The deployment's running runs. */
  async runningOf(deploymentId: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM driver_runs WHERE deployment_id = $1 AND status = 'running'`,
      [deploymentId],
    );
    return rows.map((r) => r.id);
  }

  /** Whether the run is still running (an ansible run polls this to notice a cancel). */
  async stillRunning(runId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM driver_runs WHERE id = $1 AND status = 'running'`,
      [runId],
    );
    return rows.length > 0;
  }
}

/** One node of a run as the drivers see it. */
export interface RunNode {
  id: number;
  node_id: string;
  hostname: string;
  management_address: string | null;
  role: string;
  /** The node's inventory variables, once nodes carry them. */
  vars?: Record<string, unknown> | null;
}
