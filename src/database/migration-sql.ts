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
