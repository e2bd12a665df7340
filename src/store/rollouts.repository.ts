import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GenerateSql, SQL } from '../database/generate-sql';
import { RolloutStatus, RolloutStrategy } from '../domain/rollout';
import { Queryable } from './queryable';

/** A rollouts row. */
export interface RolloutRow {
  deployment_id: number;
  strategy: RolloutStrategy;
  status: RolloutStatus;
  wave: number;
  wave_ends: number[];
  wave_started_at: Date;
  wave_ended_at: Date | null;
  override_wave: number;
  halted_reason: string | null;
}

/** How the nodes admitted so far (waves up to the current one) stand. */
export interface AdmittedFigures {
  admitted: number;
  failed: number;
  /** Nodes of the current wave not RUNNING or FAILED yet. */
  wave_open: number;
}

/**
 * Owns the rollouts table (one row per deployment created with a strategy) and the node
 * statements of a rollout: starting a wave, holding and releasing waiting nodes.
 */
@Injectable()
export class RolloutsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @GenerateSql({
    params: [
      SQL,
      1,
      {
        canary: 1,
        wave_size: 4,
        wave_percent: null,
        max_failure_percent: 10,
        wave_pause_seconds: 60,
        order: 'node',
        gate: null,
      },
      [1, 5, 8],
    ],
  })
  async insert(
    m: Queryable,
    deploymentId: number,
    strategy: RolloutStrategy,
    waveEnds: number[],
  ): Promise<void> {
    await m.query(`INSERT INTO rollouts (deployment_id, strategy, wave_ends) VALUES ($1, $2, $3)`, [
      deploymentId,
      strategy,
      waveEnds,
    ]);
  }

  @GenerateSql({ params: [1, SQL] })
  async find(deploymentId: number, m: Queryable = this.dataSource): Promise<RolloutRow | null> {
    const rows: RolloutRow[] = await m.query(`SELECT * FROM rollouts WHERE deployment_id = $1`, [
      deploymentId,
    ]);
    return rows[0] ?? null;
  }

  /** The row locked for a change of the rollout until commit; null without a strategy. */
  @GenerateSql({ params: [SQL, 1] })
  async lock(m: Queryable, deploymentId: number): Promise<RolloutRow | null> {
    const rows: RolloutRow[] = await m.query(
      `SELECT * FROM rollouts WHERE deployment_id = $1 FOR UPDATE`,
      [deploymentId],
    );
    return rows[0] ?? null;
  }

  @GenerateSql({
    params: [
      SQL,
      1,
      { status: RolloutStatus.RUNNING, wave: 1, wave_started_at: new Date('2026-01-01T00:00:00Z') },
    ],
  })
  async update(
    m: Queryable,
    deploymentId: number,
    change: Partial<
      Pick<
        RolloutRow,
        | 'status'
        | 'wave'
        | 'wave_ends'
        | 'wave_started_at'
        | 'wave_ended_at'
        | 'override_wave'
        | 'halted_reason'
      >
    >,
  ): Promise<void> {
    const columns = Object.keys(change);
    if (columns.length === 0) return;
    await m.query(
      `UPDATE rollouts SET ${columns.map((c, i) => `${c} = $${i + 2}`).join(', ')}, updated_at = now()
       WHERE deployment_id = $1`,
      [deploymentId, ...columns.map((c) => change[c as keyof typeof change])],
    );
  }

  /** Deployments whose rollout is running: the reconciler checks each. */
  @GenerateSql({ params: [] })
  async running(): Promise<number[]> {
    const rows: { deployment_id: number }[] = await this.dataSource.query(
      `SELECT deployment_id FROM rollouts WHERE status = 'running'`,
    );
    return rows.map((r) => r.deployment_id);
  }

  /**
   * The nodes of waves 0..current (node numbers up to `lastSeq`): how many, how many FAILED,
   * and how many of the current wave (from `waveFrom`) are not done. One range scan.
   */
  @GenerateSql({ params: [SQL, 1, 2, 4] })
  async admittedFigures(
    m: Queryable,
    deploymentId: number,
    waveFrom: number,
    lastSeq: number,
  ): Promise<AdmittedFigures> {
    const [row]: AdmittedFigures[] = await m.query(
      `SELECT count(*)::int AS admitted,
              count(*) FILTER (WHERE state = 'FAILED')::int AS failed,
              count(*) FILTER (WHERE seq >= $2 AND state NOT IN ('RUNNING', 'FAILED'))::int AS wave_open
       FROM nodes WHERE deployment_id = $1 AND seq BETWEEN 1 AND $3`,
      [deploymentId, waveFrom, lastSeq],
    );
    return row;
  }

  /** Node ids and names of a wave (for the gate: which of its nodes are flagged). */
  @GenerateSql({ params: [SQL, 1, [2, 4]] })
  async waveNodes(
    m: Queryable,
    deploymentId: number,
    [from, to]: [number, number],
  ): Promise<{ id: number; node_id: string; state: string }[]> {
    return m.query(
      `SELECT id, node_id, state FROM nodes WHERE deployment_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq`,
      [deploymentId, from, to],
    );
  }

  /**
   * Makes the waiting nodes of waves up to `toSeq` due now (a wave starts, or a rollout
   * resumes); returns how many.
   */
  @GenerateSql({ params: [SQL, 1, 4], rows: [[{ n: 3 }]] })
  async release(m: Queryable, deploymentId: number, toSeq: number): Promise<number> {
    const rows: { n: number }[] = await m.query(
      `WITH due AS (
         UPDATE nodes SET next_step_at = now()
         WHERE deployment_id = $1 AND seq BETWEEN 1 AND $2 AND state = 'PENDING' AND next_step_at IS NULL
         RETURNING 1
       ) SELECT count(*)::int AS n FROM due`,
      [deploymentId, toSeq],
    );
    return rows[0].n;
  }

  /** Holds every node still PENDING (pause, abort): no worker's claim sees it any more. */
  @GenerateSql({ params: [SQL, 1], rows: [[{ n: 3 }]] })
  async hold(m: Queryable, deploymentId: number): Promise<number> {
    const rows: { n: number }[] = await m.query(
      `WITH held AS (
         UPDATE nodes SET next_step_at = NULL
         WHERE deployment_id = $1 AND state = 'PENDING' AND next_step_at IS NOT NULL
         RETURNING 1
       ) SELECT count(*)::int AS n FROM held`,
      [deploymentId],
    );
    return rows[0].n;
  }
}
