import { MigrationInterface, QueryRunner } from 'typeorm';
import { rollupTriggerSql } from '../migration-sql';
import { EPOCH } from './1764250500000-telemetry-rollup-groups';
import {
  GROUP_UPSERT_MAX,
  NODE_UPSERT_MAX,
  REBUILD_WITH_MAX,
} from './1764261010000-telemetry-rollup-max';

const METRICS = ['latency_ms', 'throughput_gbps', 'error_rate'] as const;
// As in migration 1764250600000 (a migration never follows a live constant).
const FOLD_LOCK_CLASS = 0x50524658;
const GROUP_SHIFT = 6;

/** Tables holding a mean and M2 per metric, which gain a count per metric. */
const MOMENT_TABLES = [
  'telemetry_rollups',
  'telemetry_rollup_groups',
  'telemetry_prefix_buckets',
  'telemetry_prefix_role_buckets',
];

const COLUMNS = METRICS.map((m) => `${m}_n, ${m}_mean, ${m}_m2, ${m}_max`).join(', ');
// count(m), avg(m), var_pop(m) and max(m) skip nulls: each metric's moments hold its own values.
const STATS = METRICS.map(
  (m) => `count(${m}), avg(${m}), var_pop(${m}) * count(${m}), max(${m})`,
).join(', ');
// Chan et al. on each metric's own count; a side without values of the metric leaves the other.
const MERGE = METRICS.map(
  (
    m,
  ) => `${m}_mean = CASE WHEN EXCLUDED.${m}_n = 0 THEN r.${m}_mean WHEN r.${m}_n = 0 THEN EXCLUDED.${m}_mean
          ELSE r.${m}_mean + (EXCLUDED.${m}_mean - r.${m}_mean) * EXCLUDED.${m}_n / (r.${m}_n + EXCLUDED.${m}_n) END,
        ${m}_m2 = CASE WHEN EXCLUDED.${m}_n = 0 THEN r.${m}_m2 WHEN r.${m}_n = 0 THEN EXCLUDED.${m}_m2
          ELSE r.${m}_m2 + EXCLUDED.${m}_m2
            + (EXCLUDED.${m}_mean - r.${m}_mean) ^ 2 * r.${m}_n * EXCLUDED.${m}_n / (r.${m}_n + EXCLUDED.${m}_n) END,
        ${m}_max = greatest(r.${m}_max, EXCLUDED.${m}_max),
        ${m}_n = r.${m}_n + EXCLUDED.${m}_n`,
).join(',\n        ');
const MERGE_SPAN = `n = r.n + EXCLUDED.n,
        first_ts = least(r.first_ts, EXCLUDED.first_ts),
        last_ts = greatest(r.last_ts, EXCLUDED.last_ts)`;

/** The node or group rollup upsert, per-metric counts included. */
const upsert = (table: string, key: string, keyOf: string) => `
        INSERT INTO ${table} AS r
          (deployment_id, ${key}, minute, n, first_ts, last_ts, ${COLUMNS})
        SELECT deployment_id, ${keyOf}, date_bin('1 minute', "timestamp", ${EPOCH}),
               count(*), min("timestamp"), max("timestamp"), ${STATS}
        FROM new_rows
        GROUP BY 1, 3, 2
        ORDER BY 1, 3, 2
        ON CONFLICT (deployment_id, minute, ${key}) DO UPDATE SET
        ${MERGE},
        ${MERGE_SPAN};`;

const UPSERTS =
  upsert('telemetry_rollups', 'node_id', 'node_id') +
  upsert('telemetry_rollup_groups', 'node_group', `node_id >> ${GROUP_SHIFT}`);

/** The group rebuild of migration 1764261010000, on each metric's own count. */
const REBUILD = `
      CREATE OR REPLACE FUNCTION telemetry_rollup_groups_rebuild(p_deployment integer, p_node integer)
      RETURNS void LANGUAGE plpgsql AS $fn$
      DECLARE g integer := p_node >> ${GROUP_SHIFT};
      BEGIN
        DELETE FROM telemetry_rollup_groups WHERE deployment_id = p_deployment AND node_group = g;
        INSERT INTO telemetry_rollup_groups (deployment_id, node_group, minute, n, first_ts, last_ts, ${COLUMNS})
        SELECT p_deployment, g, minute, n, first_ts, last_ts,
               ${METRICS.map((m) => `${m}[1]::int, ${m}[2] / nullif(${m}[1], 0), CASE WHEN ${m}[1] > 0 THEN ${m}[3] END, ${m}_max`).join(',\n               ')}
        FROM (
          SELECT minute, sum(n)::int AS n, min(first_ts) AS first_ts, max(last_ts) AS last_ts,
                 ${METRICS.map((m) => `telemetry_moments(ARRAY[${m}_n, coalesce(${m}_n * ${m}_mean, 0), coalesce(${m}_m2, 0)]) AS ${m}, max(${m}_max) AS ${m}_max`).join(',\n                 ')}
          FROM telemetry_rollups
          WHERE deployment_id = p_deployment
            AND node_id BETWEEN g << ${GROUP_SHIFT} AND ((g + 1) << ${GROUP_SHIFT}) - 1
          GROUP BY minute
        ) folded;
      END
      $fn$`;

/**
 * A sample may lack any of its three metrics (not all): a source that reads only some of them,
 * a counter that could not be derived this interval. Every table derived from the samples then
 * counts each metric on its own: `<metric>_n` beside the mean and M2 of the minute rollups, the
 * group rollups and the 10-second buckets (mean and M2 null where the count is 0), and beside
 * the running sums (which stay 0 where nothing was summed). The rollup trigger and the group
 * rebuild merge each metric on its own count. Migration 1765120100000 fills the counts of the
 * rows written before (every sample then had all three metrics: each count is `n`).
 * Rolling back deletes the samples that lack a metric.
 */
export class TelemetryMissingMetrics1765120000000 implements MigrationInterface {
  name = 'TelemetryMissingMetrics1765120000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE telemetry_samples ${METRICS.map((m) => `ALTER COLUMN ${m} DROP NOT NULL`).join(', ')}`,
    );
    await q.query(
      `ALTER TABLE telemetry_samples ADD CONSTRAINT telemetry_samples_some_metric
       CHECK (${METRICS.map((m) => `${m} IS NOT NULL`).join(' OR ')}) NOT VALID`,
    );
    await q.query(
      `ALTER TABLE telemetry_samples VALIDATE CONSTRAINT telemetry_samples_some_metric`,
    );
    for (const table of MOMENT_TABLES) {
      await q.query(
        `ALTER TABLE ${table} ${METRICS.map(
          (m) =>
            `ADD COLUMN ${m}_n integer, ALTER COLUMN ${m}_mean DROP NOT NULL, ALTER COLUMN ${m}_m2 DROP NOT NULL`,
        ).join(', ')}`,
      );
    }
    await q.query(
      `ALTER TABLE telemetry_prefix_sums ${METRICS.map((m) => `ADD COLUMN ${m}_n integer`).join(', ')}`,
    );
    await q.query(rollupTriggerSql(UPSERTS, FOLD_LOCK_CLASS));
    await q.query(REBUILD);
  }

  async down(q: QueryRunner): Promise<void> {
    const incomplete = METRICS.map((m) => `${m} IS NULL`).join(' OR ');
    await q.query(`DELETE FROM telemetry_samples WHERE ${incomplete}`);
    await q.query(`ALTER TABLE telemetry_samples DROP CONSTRAINT telemetry_samples_some_metric`);
    await q.query(
      `ALTER TABLE telemetry_samples ${METRICS.map((m) => `ALTER COLUMN ${m} SET NOT NULL`).join(', ')}`,
    );
    await q.query(rollupTriggerSql(NODE_UPSERT_MAX + GROUP_UPSERT_MAX, FOLD_LOCK_CLASS));
    await q.query(REBUILD_WITH_MAX);
    // Rows that held samples lacking a metric describe samples that are gone.
    const partial = METRICS.map((m) => `${m}_n IS DISTINCT FROM n`).join(' OR ');
    for (const table of MOMENT_TABLES) {
      await q.query(`DELETE FROM ${table} WHERE ${partial}`);
      await q.query(
        `ALTER TABLE ${table} ${METRICS.map(
          (m) =>
            `DROP COLUMN ${m}_n, ALTER COLUMN ${m}_mean SET NOT NULL, ALTER COLUMN ${m}_m2 SET NOT NULL`,
        ).join(', ')}`,
      );
    }
    await q.query(
      `ALTER TABLE telemetry_prefix_sums ${METRICS.map((m) => `DROP COLUMN ${m}_n`).join(', ')}`,
    );
    await q.query(`UPDATE telemetry_prefix_marks SET until = since`);
  }
}
