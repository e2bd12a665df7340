import { MigrationInterface, QueryRunner } from 'typeorm';
import { rollupTriggerSql } from '../migration-sql';
import { EPOCH, GROUP_UPSERT, NODE_UPSERT } from './1764250500000-telemetry-rollup-groups';

const METRICS = ['latency_ms', 'throughput_gbps', 'error_rate'] as const;
// As in migration 1764250600000 (a migration never follows a live constant).
const FOLD_LOCK_CLASS = 0x50524658;
const GROUP_SHIFT = 6;

const COLUMNS = METRICS.map((m) => `${m}_mean, ${m}_m2`).join(', ');
const MAX_COLUMNS = METRICS.map((m) => `${m}_max`).join(', ');
const GROUP_STATS = METRICS.map((m) => `avg(${m}), var_pop(${m}) * count(*)`).join(', ');
const MAX_STATS = METRICS.map((m) => `max(${m})`).join(', ');
// Chan et al., as in migrations 1764250300000 and 1764250500000.
const MERGE = METRICS.map(
  (
    m,
  ) => `${m}_mean = r.${m}_mean + (EXCLUDED.${m}_mean - r.${m}_mean) * EXCLUDED.n / (r.n + EXCLUDED.n),
        ${m}_m2 = r.${m}_m2 + EXCLUDED.${m}_m2
          + (EXCLUDED.${m}_mean - r.${m}_mean) ^ 2 * r.n * EXCLUDED.n / (r.n + EXCLUDED.n),
        ${m}_max = greatest(r.${m}_max, EXCLUDED.${m}_max)`,
).join(',\n        ');
const MERGE_SPAN = `n = r.n + EXCLUDED.n,
        first_ts = least(r.first_ts, EXCLUDED.first_ts),
        last_ts = greatest(r.last_ts, EXCLUDED.last_ts)`;

export const NODE_UPSERT_MAX = `
        INSERT INTO telemetry_rollups AS r
          (deployment_id, node_id, minute, n, first_ts, last_ts, ${COLUMNS}, ${MAX_COLUMNS})
        SELECT deployment_id, node_id, date_bin('1 minute', "timestamp", ${EPOCH}),
               count(*), min("timestamp"), max("timestamp"), ${GROUP_STATS}, ${MAX_STATS}
        FROM new_rows
        GROUP BY 1, 3, 2
        ORDER BY 1, 3, 2
        ON CONFLICT (deployment_id, minute, node_id) DO UPDATE SET
        ${MERGE},
        ${MERGE_SPAN};`;

export const GROUP_UPSERT_MAX = `
        INSERT INTO telemetry_rollup_groups AS r
          (deployment_id, node_group, minute, n, first_ts, last_ts, ${COLUMNS}, ${MAX_COLUMNS})
        SELECT deployment_id, node_id >> ${GROUP_SHIFT}, date_bin('1 minute', "timestamp", ${EPOCH}),
               count(*), min("timestamp"), max("timestamp"), ${GROUP_STATS}, ${MAX_STATS}
        FROM new_rows
        GROUP BY 1, 3, 2
        ORDER BY 1, 3, 2
        ON CONFLICT (deployment_id, minute, node_group) DO UPDATE SET
        ${MERGE},
        ${MERGE_SPAN};`;

/** The trigger body of migration 1764250600000 around the given rollup upserts. */
const triggerFunction = (upserts: string) => rollupTriggerSql(upserts, FOLD_LOCK_CLASS);

/** The group rebuild of migration 1764250500000, carrying the maxima too when `withMax`. */
function rebuildFunction(withMax: boolean): string {
  const fold = METRICS.map(
    (m) => `telemetry_moments(ARRAY[n, n * ${m}_mean, ${m}_m2]) AS ${m}`,
  ).join(', ');
  const unfold = METRICS.map((m) => `${m}[2] / ${m}[1], ${m}[3]`).join(', ');
  const maxFold = METRICS.map((m) => `max(${m}_max) AS ${m}_max`).join(', ');
  return `
      CREATE OR REPLACE FUNCTION telemetry_rollup_groups_rebuild(p_deployment integer, p_node integer)
      RETURNS void LANGUAGE plpgsql AS $fn$
      DECLARE g integer := p_node >> ${GROUP_SHIFT};
      BEGIN
        DELETE FROM telemetry_rollup_groups WHERE deployment_id = p_deployment AND node_group = g;
        INSERT INTO telemetry_rollup_groups (deployment_id, node_group, minute, n, first_ts, last_ts, ${COLUMNS}${withMax ? `, ${MAX_COLUMNS}` : ''})
        SELECT p_deployment, g, minute, n, first_ts, last_ts, ${unfold}${withMax ? `, ${MAX_COLUMNS}` : ''}
        FROM (
          SELECT minute, sum(n)::int AS n, min(first_ts) AS first_ts, max(last_ts) AS last_ts, ${fold}${withMax ? `, ${maxFold}` : ''}
          FROM telemetry_rollups
          WHERE deployment_id = p_deployment
            AND node_id BETWEEN g << ${GROUP_SHIFT} AND ((g + 1) << ${GROUP_SHIFT}) - 1
          GROUP BY minute
        ) folded;
      END
      $fn$`;
}

/** The group rebuild this migration installs (restored by rolling back migration 1765120000000). */
export const REBUILD_WITH_MAX = rebuildFunction(true);

/**
 * The largest value of each metric per rollup row (node and minute, 64-node group and minute),
 * kept by the same statement trigger and merged with greatest(), so a telemetry series over
 * whole minutes reads avg, max and count from the rollups, exactly, instead of the raw samples.
 * Existing rows are filled from their samples; a rollup row whose samples are gone (none should
 * be: both go together) keeps null maxima, which max() then skips.
 */
export class TelemetryRollupMax1764261010000 implements MigrationInterface {
  name = 'TelemetryRollupMax1764261010000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['telemetry_rollups', 'telemetry_rollup_groups']) {
      await q.query(
        `ALTER TABLE ${table} ${METRICS.map((m) => `ADD COLUMN ${m}_max double precision`).join(', ')}`,
      );
    }
    await q.query(triggerFunction(NODE_UPSERT_MAX + GROUP_UPSERT_MAX));
    await q.query(REBUILD_WITH_MAX);
    const set = METRICS.map((m) => `${m}_max = s.${m}_max`).join(', ');
    const maxOf = METRICS.map((m) => `max(${m}) AS ${m}_max`).join(', ');
    await q.query(`
      UPDATE telemetry_rollups r SET ${set}
      FROM (SELECT deployment_id, node_id, date_bin('1 minute', "timestamp", ${EPOCH}) AS minute, ${maxOf}
            FROM telemetry_samples GROUP BY 1, 2, 3) s
      WHERE r.deployment_id = s.deployment_id AND r.node_id = s.node_id AND r.minute = s.minute`);
    await q.query(`
      UPDATE telemetry_rollup_groups r SET ${set}
      FROM (SELECT deployment_id, node_id >> ${GROUP_SHIFT} AS node_group,
                   date_bin('1 minute', "timestamp", ${EPOCH}) AS minute, ${maxOf}
            FROM telemetry_samples GROUP BY 1, 2, 3) s
      WHERE r.deployment_id = s.deployment_id AND r.node_group = s.node_group AND r.minute = s.minute`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(triggerFunction(NODE_UPSERT + GROUP_UPSERT));
    await q.query(rebuildFunction(false));
    for (const table of ['telemetry_rollups', 'telemetry_rollup_groups']) {
      await q.query(
        `ALTER TABLE ${table} ${METRICS.map((m) => `DROP COLUMN ${m}_max`).join(', ')}`,
      );
    }
  }
}
