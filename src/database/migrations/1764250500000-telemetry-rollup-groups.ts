import { MigrationInterface, QueryRunner } from 'typeorm';
import { mirrorSamplePartitionsSql } from '../migration-sql';

const METRICS = ['latency_ms', 'throughput_gbps', 'error_rate'] as const;
export const EPOCH = `timestamptz '1970-01-01 00:00:00+00'`;
/** Nodes per group: node_id >> 6. Small enough that rebuilding a group is cheap. */
const GROUP_SHIFT = 6;

const COLUMNS = METRICS.map((m) => `${m}_mean, ${m}_m2`).join(', ');
const GROUP_STATS = METRICS.map((m) => `avg(${m}), var_pop(${m}) * count(*)`).join(', ');
// Chan et al.: merging (na, ma, M2a) with (nb, mb, M2b) never forms raw sums of squares.
const MERGE = METRICS.map(
  (
    m,
  ) => `${m}_mean = r.${m}_mean + (EXCLUDED.${m}_mean - r.${m}_mean) * EXCLUDED.n / (r.n + EXCLUDED.n),
        ${m}_m2 = r.${m}_m2 + EXCLUDED.${m}_m2
          + (EXCLUDED.${m}_mean - r.${m}_mean) ^ 2 * r.n * EXCLUDED.n / (r.n + EXCLUDED.n)`,
).join(',\n        ');
const MERGE_SPAN = `n = r.n + EXCLUDED.n,
        first_ts = least(r.first_ts, EXCLUDED.first_ts),
        last_ts = greatest(r.last_ts, EXCLUDED.last_ts)`;

/** The rollup upsert of the 1764250300000 migration, unchanged (also used by 1764250600000). */
export const NODE_UPSERT = `
        INSERT INTO telemetry_rollups AS r
          (deployment_id, node_id, minute, n, first_ts, last_ts, ${COLUMNS})
        SELECT deployment_id, node_id, date_bin('1 minute', "timestamp", ${EPOCH}),
               count(*), min("timestamp"), max("timestamp"), ${GROUP_STATS}
        FROM new_rows
        GROUP BY 1, 3, 2
        ORDER BY 1, 3, 2
        ON CONFLICT (deployment_id, minute, node_id) DO UPDATE SET
        ${MERGE},
        ${MERGE_SPAN};`;

export const GROUP_UPSERT = `
        INSERT INTO telemetry_rollup_groups AS r
          (deployment_id, node_group, minute, n, first_ts, last_ts, ${COLUMNS})
        SELECT deployment_id, node_id >> ${GROUP_SHIFT}, date_bin('1 minute', "timestamp", ${EPOCH}),
               count(*), min("timestamp"), max("timestamp"), ${GROUP_STATS}
        FROM new_rows
        GROUP BY 1, 3, 2
        ORDER BY 1, 3, 2
        ON CONFLICT (deployment_id, minute, node_group) DO UPDATE SET
        ${MERGE},
        ${MERGE_SPAN};`;

/**
 * Per-deployment per-minute rollups of groups of 64 nodes, kept by the same statement trigger as
 * the per-node minute rollups. The zscore baseline needs the moments of every sample in the
 * window but no per-node spread: folding ~160 group rows per minute is far cheaper than folding
 * 10,000 per-node (count, mean, M2) states, and per-node means then need only plain sums.
 *
 * Partitioned by day like the samples so retention drops all three together. A node delete
 * rebuilds the node's group from the remaining minute rollups (telemetry_rollup_groups_rebuild),
 * with the same Chan merge: never by subtracting moments, which is not numerically stable.
 */
export class TelemetryRollupGroups1764250500000 implements MigrationInterface {
  name = 'TelemetryRollupGroups1764250500000';

  async up(q: QueryRunner): Promise<void> {
    const metricColumns = METRICS.map(
      (m) => `${m}_mean double precision NOT NULL, ${m}_m2 double precision NOT NULL`,
    ).join(',\n        ');
    await q.query(`
      CREATE TABLE telemetry_rollup_groups (
        deployment_id integer NOT NULL,
        node_group integer NOT NULL,
        minute timestamptz NOT NULL,
        n integer NOT NULL CHECK (n >= 1),
        first_ts timestamptz NOT NULL,
        last_ts timestamptz NOT NULL,
        ${metricColumns},
        PRIMARY KEY (deployment_id, minute, node_group)
      ) PARTITION BY RANGE (minute)`);
    await q.query(mirrorSamplePartitionsSql('telemetry_rollup_groups'));

    // Node rows first, then group rows, in the same order in every writer: no deadlocks.
    await q.query(`
      CREATE OR REPLACE FUNCTION telemetry_rollup_samples() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        ${NODE_UPSERT}
        ${GROUP_UPSERT}
        RETURN NULL;
      END
      $fn$`);

    const fold = METRICS.map(
      (m) => `telemetry_moments(ARRAY[n, n * ${m}_mean, ${m}_m2]) AS ${m}`,
    ).join(', ');
    const unfold = METRICS.map((m) => `${m}[2] / ${m}[1], ${m}[3]`).join(', ');
    await q.query(`
      CREATE FUNCTION telemetry_rollup_groups_rebuild(p_deployment integer, p_node integer)
      RETURNS void LANGUAGE plpgsql AS $fn$
      DECLARE g integer := p_node >> ${GROUP_SHIFT};
      BEGIN
        DELETE FROM telemetry_rollup_groups WHERE deployment_id = p_deployment AND node_group = g;
        INSERT INTO telemetry_rollup_groups (deployment_id, node_group, minute, n, first_ts, last_ts, ${COLUMNS})
        SELECT p_deployment, g, minute, n, first_ts, last_ts, ${unfold}
        FROM (
          SELECT minute, sum(n)::int AS n, min(first_ts) AS first_ts, max(last_ts) AS last_ts, ${fold}
          FROM telemetry_rollups
          WHERE deployment_id = p_deployment
            AND node_id BETWEEN g << ${GROUP_SHIFT} AND ((g + 1) << ${GROUP_SHIFT}) - 1
          GROUP BY minute
        ) folded;
      END
      $fn$`);

    await q.query(`
      INSERT INTO telemetry_rollup_groups (deployment_id, node_group, minute, n, first_ts, last_ts, ${COLUMNS})
      SELECT deployment_id, node_id >> ${GROUP_SHIFT}, date_bin('1 minute', "timestamp", ${EPOCH}),
             count(*), min("timestamp"), max("timestamp"), ${GROUP_STATS}
      FROM telemetry_samples
      GROUP BY 1, 3, 2`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION telemetry_rollup_samples() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        ${NODE_UPSERT}
        RETURN NULL;
      END
      $fn$`);
    await q.query(`DROP FUNCTION telemetry_rollup_groups_rebuild(integer, integer)`);
    await q.query(`DROP TABLE telemetry_rollup_groups`);
  }
}
