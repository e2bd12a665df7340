import { deleteInBatches } from './batched-delete';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GenerateSql, SQL } from '../database/generate-sql';
import { Queryable } from '../store/queryable';

export interface SilenceRow {
  id: number;
  deployment_id: number;
  node_id: number | null;
  rule_id: number | null;
  ends_at: Date;
  comment: string;
  created_by: string | null;
  created_at: Date;
}

/** Owns the alert_silences table: which notifications of a deployment are held back, until when. */
@Injectable()
export class AlertSilencesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The nodes among `nodeIds` that a silence covers now for this rule of the deployment. */
  @GenerateSql({ params: [SQL, { deploymentId: 7, ruleId: 12, nodeIds: [301, 302] }] })
  async silencedNodes(
    m: Queryable,
    a: { deploymentId: number; ruleId: number; nodeIds: number[] },
  ): Promise<Set<number>> {
    if (a.nodeIds.length === 0) return new Set();
    const rows: { node_id: number }[] = await m.query(
      `SELECT u.node_id FROM unnest($3::int[]) AS u(node_id)
       WHERE EXISTS (
         SELECT 1 FROM alert_silences s
         WHERE s.deployment_id = $1 AND s.ends_at > now()
           AND (s.node_id IS NULL OR s.node_id = u.node_id) AND (s.rule_id IS NULL OR s.rule_id = $2))`,
      [a.deploymentId, a.ruleId, a.nodeIds],
    );
    return new Set(rows.map((r) => r.node_id));
  }

  /** The deployments among `ids` that a deployment-wide silence (no node, no rule) covers now. */
  @GenerateSql({ params: [SQL, [7, 8]] })
  async silencedDeployments(m: Queryable, ids: number[]): Promise<Set<number>> {
    if (ids.length === 0) return new Set();
    const rows: { deployment_id: number }[] = await m.query(
      `SELECT DISTINCT deployment_id FROM alert_silences
       WHERE deployment_id = ANY($1::int[]) AND ends_at > now()
         AND node_id IS NULL AND rule_id IS NULL`,
      [ids],
    );
    return new Set(rows.map((r) => r.deployment_id));
  }

  @GenerateSql({
    params: [
      {
        deployment_id: 7,
        node_id: 301,
        rule_id: null,
        ends_at: new Date('2025-06-01T12:00:00Z'),
        comment: 'optics replaced on spine-03',
        created_by: 'ops-key',
      },
    ],
  })
  async insertSilence(s: Omit<SilenceRow, 'id' | 'created_at'>): Promise<SilenceRow> {
    const rows: SilenceRow[] = await this.dataSource.query(
      `INSERT INTO alert_silences (deployment_id, node_id, rule_id, ends_at, comment, created_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [s.deployment_id, s.node_id, s.rule_id, s.ends_at, s.comment, s.created_by],
    );
    return rows[0];
  }

  @GenerateSql({ name: 'all', params: [] }, { name: 'of a deployment', params: [7] })
  async listSilences(deploymentId?: number): Promise<SilenceRow[]> {
    return this.dataSource.query(
      `SELECT * FROM alert_silences WHERE ($1::int IS NULL OR deployment_id = $1) ORDER BY id`,
      [deploymentId ?? null],
    );
  }

  /** How many silences have not ended (for MAX_ACTIVE_SILENCES). */
  @GenerateSql({ params: [] })
  async countActiveSilences(): Promise<number> {
    const [row]: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM alert_silences WHERE ends_at > now()`,
    );
    return row.n;
  }

  /** Deletes the silences that ended before `cutoff`, `batch` rows a statement; how many. */
  @GenerateSql({ params: [new Date('2025-05-25T00:00:00Z'), 5000] })
  async pruneEnded(cutoff: Date, batch: number): Promise<number> {
    return deleteInBatches(this.dataSource, 'alert_silences', `ends_at < $1`, cutoff, batch);
  }

  @GenerateSql({ params: [5] })
  async deleteSilence(id: number): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `DELETE FROM alert_silences WHERE id = $1 RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }
}
