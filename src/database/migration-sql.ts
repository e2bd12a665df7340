/** SQL that several migrations build the same way. */

/**
 * Creates a partition of `table` for every existing partition of telemetry_samples, with the
 * same bounds and the matching name. Tables partitioned like the samples are created with this
 * (migrations 1764250300000, 1764250500000 and 1764250600000).
 * It lives outside migrations/: TypeORM takes every function a migration file exports for a
 * migration.
 */
export function mirrorSamplePartitionsSql(table: string): string {
  return `
      DO $do$
      DECLARE p record;
      BEGIN
        FOR p IN
          SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'telemetry_samples'::regclass
        LOOP
          EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF ${table} %s',
                         replace(p.relname, 'telemetry_samples', '${table}'), p.bound);
        END LOOP;
      END
      $do$`;
}

/**
 * The sample trigger's function (migration 1764250600000 on): the given rollup upserts, then,
 * per deployment written to, the shared fold lock (class `foldLockClass`) and the un-folding of
 * the minutes from the earliest written one if they were folded.
 */
export function rollupTriggerSql(upserts: string, foldLockClass: number): string {
  return `
      CREATE OR REPLACE FUNCTION telemetry_rollup_samples() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE w record;
      BEGIN
        ${upserts}
        FOR w IN
          SELECT deployment_id, date_bin('1 minute', min("timestamp"), timestamptz '1970-01-01 00:00:00+00') AS minute
          FROM new_rows GROUP BY deployment_id
        LOOP
          PERFORM pg_advisory_xact_lock_shared(${foldLockClass}, w.deployment_id);
          UPDATE telemetry_prefix_marks SET until = w.minute
          WHERE deployment_id = w.deployment_id AND until > w.minute AND since <= w.minute;
        END LOOP;
        RETURN NULL;
      END
      $fn$`;
}
