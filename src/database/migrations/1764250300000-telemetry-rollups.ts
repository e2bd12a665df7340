import { MigrationInterface, QueryRunner } from 'typeorm';
import { mirrorSamplePartitionsSql } from '../migration-sql';

const METRICS = ['latency_ms', 'throughput_gbps', 'error_rate'] as const;

/**
 * Per-node per-minute telemetry rollups (count, mean and M2 of each metric), kept by a
 * statement-level trigger on telemetry_samples so every bulk write (INSERT or COPY through the
 * partitioned parent) maintains them in the same transaction. Bottleneck detection reads
 * whole minutes from here and only the partial minutes at the window edges from raw samples.
 *
 * The table is partitioned by day like the samples (telemetry_rollups_pYYYYMMDD, same bounds)
 * so retention drops both together; a minute never straddles a UTC day.
 */
export class TelemetryRollups1764250300000 implements MigrationInterface {
  name = 'TelemetryRollups1764250300000';

  async up(q: QueryRunner): Promise<void> {
    const metricColumns = METRICS.map(
      (m) => `${m}_mean double precision NOT NULL, ${m}_m2 double precision NOT NULL`,
    ).join(',\n        ');
    // first_ts/last_ts tell the reader whether a minute lies wholly inside a window, so an edge
    // minute is read from raw samples only when the window really cuts it.
    await q.query(`
      CREATE TABLE telemetry_rollups (
        deployment_id integer NOT NULL,
        node_id integer NOT NULL,
        minute timestamptz NOT NULL,
        n integer NOT NULL CHECK (n >= 1),
        first_ts timestamptz NOT NULL,
        last_ts timestamptz NOT NULL,
        ${metricColumns},
        PRIMARY KEY (deployment_id, minute, node_id)
      ) PARTITION BY RANGE (minute)`);
    await q.query(`CREATE INDEX telemetry_rollups_node_idx ON telemetry_rollups (node_id)`);

    // Chan et al.: merging (na, ma, M2a) with (nb, mb, M2b) never forms raw sums of squares.
    const merge = METRICS.map(
      (
        m,
      ) => `${m}_mean = r.${m}_mean + (EXCLUDED.${m}_mean - r.${m}_mean) * EXCLUDED.n / (r.n + EXCLUDED.n),
        ${m}_m2 = r.${m}_m2 + EXCLUDED.${m}_m2
          + (EXCLUDED.${m}_mean - r.${m}_mean) ^ 2 * r.n * EXCLUDED.n / (r.n + EXCLUDED.n)`,
    ).join(',\n        ');
    const groupStats = METRICS.map((m) => `avg(${m}), var_pop(${m}) * count(*)`).join(', ');
    const columns = METRICS.map((m) => `${m}_mean, ${m}_m2`).join(', ');
    // date_bin against the epoch is independent of the session time zone. ORDER BY gives every
    // writer the same lock order, so concurrent batches on the same nodes cannot deadlock.
    await q.query(`
      CREATE FUNCTION telemetry_rollup_samples() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        INSERT INTO telemetry_rollups AS r
          (deployment_id, node_id, minute, n, first_ts, last_ts, ${columns})
        SELECT deployment_id, node_id, date_bin('1 minute', "timestamp", timestamptz '1970-01-01 00:00:00+00'),
               count(*), min("timestamp"), max("timestamp"), ${groupStats}
        FROM new_rows
        GROUP BY 1, 3, 2
        ORDER BY 1, 3, 2
        ON CONFLICT (deployment_id, minute, node_id) DO UPDATE SET
        ${merge},
        n = r.n + EXCLUDED.n,
        first_ts = least(r.first_ts, EXCLUDED.first_ts),
        last_ts = greatest(r.last_ts, EXCLUDED.last_ts);
        RETURN NULL;
      END
      $fn$`);
    await q.query(`
      CREATE TRIGGER telemetry_samples_rollup AFTER INSERT ON telemetry_samples
      REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION telemetry_rollup_samples()`);

    // Merges {n, sum, M2} states with PostgreSQL's own Chan et al. combine step (the one its
    // parallel var_samp uses), so a window is folded from minutes without sums of squares.
    await q.query(`
      CREATE AGGREGATE telemetry_moments(double precision[]) (
        SFUNC = float8_combine, STYPE = double precision[], INITCOND = '{0,0,0}',
        COMBINEFUNC = float8_combine, PARALLEL = SAFE
      )`);

    // Mirror the sample partitions that already exist, then roll up the samples they hold.
    await q.query(mirrorSamplePartitionsSql('telemetry_rollups'));
    await q.query(`
      INSERT INTO telemetry_rollups (deployment_id, node_id, minute, n, first_ts, last_ts, ${columns})
      SELECT deployment_id, node_id, date_bin('1 minute', "timestamp", timestamptz '1970-01-01 00:00:00+00'),
             count(*), min("timestamp"), max("timestamp"), ${groupStats}
      FROM telemetry_samples
      GROUP BY 1, 3, 2`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER telemetry_samples_rollup ON telemetry_samples`);
    await q.query(`DROP FUNCTION telemetry_rollup_samples()`);
    await q.query(`DROP AGGREGATE telemetry_moments(double precision[])`);
    await q.query(`DROP TABLE telemetry_rollups`);
  }
}
