import { MigrationInterface, QueryRunner } from 'typeorm';

/** Nodes per counts row: rows of a deployment are its node numbers in runs of this many. */
const BUCKET = 2000;
const STATES = ['PENDING', 'PROVISIONING', 'CONFIGURING', 'RUNNING', 'FAILED'] as const;
const COLUMNS = STATES.map((s) => s.toLowerCase());

/**
 * The per-state sums of a statement's old and new rows, by deployment and bucket: +1 for each
 * new row, -1 for each old one, so a row whose state did not change adds nothing. Groups whose
 * every sum is zero are left out (an update of hostnames writes no counts row). Rows are
 * upserted in key order, so two statements that touch several buckets lock them in one order.
 */
function upsertSql(rows: string): string {
  return `
    INSERT INTO node_state_counts AS c (deployment_id, bucket, ${COLUMNS.join(', ')})
    SELECT deployment_id, (seq - 1) / ${BUCKET},
           ${STATES.map((s) => `COALESCE(sum(d) FILTER (WHERE state = '${s}'), 0)`).join(',\n           ')}
    FROM (${rows}) r
    GROUP BY 1, 2
    HAVING ${STATES.map((s) => `COALESCE(sum(d) FILTER (WHERE state = '${s}'), 0) <> 0`).join(' OR ')}
    ORDER BY 1, 2
    ON CONFLICT (deployment_id, bucket) DO UPDATE SET
      ${COLUMNS.map((c) => `${c} = c.${c} + EXCLUDED.${c}`).join(',\n      ')}`;
}

const NEW_ROWS = `SELECT deployment_id, seq, state, 1 AS d FROM new_rows`;
const OLD_ROWS = `SELECT deployment_id, seq, state, -1 AS d FROM old_rows`;

/**
 * Node counts per deployment and state, kept exact by statement-level triggers on nodes in the
 * same transaction as every insert, state change and delete (the API's, the workers' batches,
 * or SQL by hand), so a deployment's counts are read by key instead of counted from its nodes.
 * One row per deployment and bucket of node numbers: concurrent batches of different shards
 * update different rows. Its key never changes, so its updates are heap-only too.
 */
export class NodeStateCounts1764260900000 implements MigrationInterface {
  name = 'NodeStateCounts1764260900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE node_state_counts (
        deployment_id integer NOT NULL,
        bucket integer NOT NULL,
        ${COLUMNS.map((c) => `${c} integer NOT NULL DEFAULT 0`).join(',\n        ')},
        PRIMARY KEY (deployment_id, bucket)
      ) WITH (fillfactor = 50)`);
    await q.query(`
      INSERT INTO node_state_counts (deployment_id, bucket, ${COLUMNS.join(', ')})
      SELECT deployment_id, (seq - 1) / ${BUCKET},
             ${STATES.map((s) => `count(*) FILTER (WHERE state = '${s}')`).join(', ')}
      FROM nodes GROUP BY 1, 2`);
    await q.query(`
      CREATE FUNCTION node_state_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${upsertSql(NEW_ROWS)};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION node_state_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${upsertSql(`${NEW_ROWS} UNION ALL ${OLD_ROWS}`)};
        RETURN NULL;
      END $$`);
    // A bucket left with no node goes: a deployment whose nodes are all deleted has no rows.
    await q.query(`
      CREATE FUNCTION node_state_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${upsertSql(OLD_ROWS)};
        DELETE FROM node_state_counts c
        USING (SELECT DISTINCT deployment_id, (seq - 1) / ${BUCKET} AS bucket FROM old_rows) g
        WHERE c.deployment_id = g.deployment_id AND c.bucket = g.bucket
          AND ${COLUMNS.map((c) => `c.${c} = 0`).join(' AND ')};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER node_state_counts_insert AFTER INSERT ON nodes
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
      EXECUTE FUNCTION node_state_counts_insert()`);
    // PostgreSQL allows no column list with transition tables: an update that changes no state
    // (a hostname, a retry mark) sums to zero everywhere and writes nothing.
    await q.query(`
      CREATE TRIGGER node_state_counts_update AFTER UPDATE ON nodes
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
      EXECUTE FUNCTION node_state_counts_update()`);
    await q.query(`
      CREATE TRIGGER node_state_counts_delete AFTER DELETE ON nodes
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
      EXECUTE FUNCTION node_state_counts_delete()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const op of ['insert', 'update', 'delete']) {
      await q.query(`DROP TRIGGER node_state_counts_${op} ON nodes`);
      await q.query(`DROP FUNCTION node_state_counts_${op}()`);
    }
    await q.query(`DROP TABLE node_state_counts`);
  }
}
