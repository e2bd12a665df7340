import { MigrationInterface, QueryRunner } from 'typeorm';
import { mirrorSamplePartitionsSql } from '../migration-sql';
import { EPOCH, GROUP_UPSERT, NODE_UPSERT } from './1764250500000-telemetry-rollup-groups';

const METRICS = ['latency_ms', 'throughput_gbps', 'error_rate'] as const;
// The fold lock's first key as it was when this migration was written (a migration is history:
// it never follows a live constant).
const FOLD_LOCK_CLASS = 0x50524658;

/** The node and group rollup upserts of the 1764250500000 migration, unchanged. */
const ROLLUP_UPSERTS = NODE_UPSERT + GROUP_UPSERT;

/**
 * Per-node running sums within each UTC hour: for every node and minute m, the count, the sums
 * of each metric and the latest timestamp of the node's samples from the start of m's hour to
 * the end of m. The sums over any run of whole minutes inside the hour are then the difference
 * of two rows, so a 10-minute window reads two or three rows per node instead of ten minute
 * rollups. Plain sums, not moments: they serve node means only, which a difference keeps exact
 * to rounding (the baseline's moments still come from the rollups, merged the stable way).
 *
 * A background fold (TelemetryPrefixService) appends each minute once it has passed, from that
 * minute's rollups and the previous minute's row, together with the moments of the minute's
 * samples in 10-second buckets of the whole deployment (telemetry_prefix_buckets: a window's
 * leading partial minute then reads at most 10 s of raw samples for its baseline);
 * telemetry_prefix_marks says which minutes [since, until) are folded. Deleting a node un-folds
 * every minute (the buckets hold its samples), and the fold redoes them. A sample written into a
 * folded minute lowers `until` to its minute (below, in the rollup trigger), so readers never use
 * a stale row and the next fold redoes it.
 * A fold holds the deployment's fold lock (an advisory lock, class FOLD_LOCK_CLASS) exclusively
 * while it works, and every statement writing samples takes it shared in the trigger, so a fold
 * never misses a sample committed under it. An advisory lock rather than the deployment row:
 * lifecycle batches hold that row KEY SHARE and then upgrade, which would deadlock with a fold
 * waiting for it.
 */
export class TelemetryPrefixSums1764250600000 implements MigrationInterface {
  name = 'TelemetryPrefixSums1764250600000';

  async up(q: QueryRunner): Promise<void> {
    const sums = METRICS.map((m) => `${m}_sum double precision NOT NULL`).join(',\n        ');
    await q.query(`
      CREATE TABLE telemetry_prefix_sums (
        deployment_id integer NOT NULL,
        node_id integer NOT NULL,
        minute timestamptz NOT NULL,
        n integer NOT NULL CHECK (n >= 0),
        last_ts timestamptz,
        ${sums},
        PRIMARY KEY (deployment_id, minute, node_id)
      ) PARTITION BY RANGE (minute)`);
    await q.query(mirrorSamplePartitionsSql('telemetry_prefix_sums'));
    // The leading partial minute of a window needs the moments of its samples: from these
    // 10-second buckets of the whole deployment, it reads at most 10 s of raw samples.
    const moments = METRICS.map(
      (m) => `${m}_mean double precision NOT NULL, ${m}_m2 double precision NOT NULL`,
    ).join(',\n        ');
    await q.query(`
      CREATE TABLE telemetry_prefix_buckets (
        deployment_id integer NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
        bucket timestamptz NOT NULL,
        n integer NOT NULL CHECK (n >= 1),
        ${moments},
        PRIMARY KEY (deployment_id, bucket)
      )`);
    await q.query(`
      CREATE TABLE telemetry_prefix_marks (
        deployment_id integer PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
        since timestamptz NOT NULL,
        until timestamptz NOT NULL,
        CHECK (since <= until)
      )`);

    // Rollups as before; then, per deployment written to, wait for a fold in progress (shared
    // fold lock) and un-fold the minutes from the earliest written one if they were folded.
    await q.query(`
      CREATE OR REPLACE FUNCTION telemetry_rollup_samples() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE w record;
      BEGIN
        ${ROLLUP_UPSERTS}
        FOR w IN
          SELECT deployment_id, date_bin('1 minute', min("timestamp"), ${EPOCH}) AS minute
          FROM new_rows GROUP BY deployment_id
        LOOP
          PERFORM pg_advisory_xact_lock_shared(${FOLD_LOCK_CLASS}, w.deployment_id);
          UPDATE telemetry_prefix_marks SET until = w.minute
          WHERE deployment_id = w.deployment_id AND until > w.minute AND since <= w.minute;
        END LOOP;
        RETURN NULL;
      END
      $fn$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION telemetry_rollup_samples() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        ${ROLLUP_UPSERTS}
        RETURN NULL;
      END
      $fn$`);
    await q.query(`DROP TABLE telemetry_prefix_marks`);
    await q.query(`DROP TABLE telemetry_prefix_buckets`);
    await q.query(`DROP TABLE telemetry_prefix_sums`);
  }
}
