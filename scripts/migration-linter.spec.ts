import type { MigrationInterface, QueryRunner } from 'typeorm';
import { applyAllowances, lintMigration } from './migration-linter';
import { recordMigration } from './migration-recorder';
import { MigrationRule } from './migration-rules';

/** A migration class as the migrations directory holds them, from its SQL. */
function migration(up: string[], down: string[] = [], transaction = true): MigrationInterface {
  return {
    name: 'Example1999999999999',
    transaction,
    up: async (q: QueryRunner) => {
      for (const sql of up) await q.query(sql);
    },
    down: async (q: QueryRunner) => {
      for (const sql of down) await q.query(sql);
    },
  };
}

async function rulesBroken(m: MigrationInterface): Promise<MigrationRule[]> {
  return lintMigration(await recordMigration(m)).map((f) => f.rule);
}

describe('the migration linter', () => {
  it('passes a migration that keeps every rule', async () => {
    const good = migration(
      [
        `CREATE TABLE links (id bigserial PRIMARY KEY, node_id bigint NOT NULL)`,
        `CREATE INDEX links_node_idx ON links (node_id)`,
        `INSERT INTO links (node_id) VALUES (1), (2)`,
        `ALTER TABLE nodes ADD COLUMN weight integer NOT NULL DEFAULT 0`,
        `ALTER TABLE nodes ADD COLUMN seen_at timestamptz DEFAULT now()`,
        // A function body runs when called, not now: its UPDATE is no backfill.
        `CREATE OR REPLACE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN UPDATE nodes SET weight = weight + 1 WHERE id = NEW.node_id; RETURN NEW; END $$`,
      ],
      [`DROP TABLE links`, `ALTER TABLE nodes DROP COLUMN weight, DROP COLUMN seen_at`],
    );
    expect(await rulesBroken(good)).toEqual([]);
  });

  it('passes an index built concurrently and a backfill outside a transaction', async () => {
    const outside = migration(
      [
        `CREATE INDEX CONCURRENTLY IF NOT EXISTS nodes_weight_idx ON nodes (weight)`,
        `ALTER TABLE nodes ADD COLUMN rack text`,
        `UPDATE nodes SET rack = 'r1' WHERE rack IS NULL`,
      ],
      [],
      false,
    );
    expect(await rulesBroken(outside)).toEqual([]);
  });

  it('flags ADD COLUMN with a volatile default', async () => {
    const bad = migration([`ALTER TABLE nodes ADD COLUMN token uuid DEFAULT gen_random_uuid()`]);
    expect(await rulesBroken(bad)).toEqual([MigrationRule.VOLATILE_DEFAULT]);
  });

  it('flags CREATE INDEX on an existing table without CONCURRENTLY', async () => {
    const bad = migration([`CREATE INDEX nodes_role_idx ON nodes (role)`]);
    expect(await rulesBroken(bad)).toEqual([MigrationRule.INDEX_WITHOUT_CONCURRENTLY]);
  });

  it('flags a backfill of an existing table in the transaction of DDL', async () => {
    const update = migration([
      `ALTER TABLE nodes ADD COLUMN rack text`,
      `UPDATE nodes n SET rack = 'r1'`,
    ]);
    expect(await rulesBroken(update)).toEqual([MigrationRule.BACKFILL_IN_DDL_TRANSACTION]);
    const insertSelect = migration([
      `CREATE TABLE node_racks (node_id bigint PRIMARY KEY, rack text)`,
      `INSERT INTO node_racks (node_id, rack) SELECT id, 'r1' FROM public.nodes`,
    ]);
    expect(await rulesBroken(insertSelect)).toEqual([MigrationRule.BACKFILL_IN_DDL_TRANSACTION]);
    const inDoBlock = migration([
      `ALTER TABLE nodes ADD COLUMN rack text`,
      `DO $$ BEGIN UPDATE nodes SET rack = 'r1'; END $$`,
    ]);
    expect(await rulesBroken(inDoBlock)).toEqual([MigrationRule.BACKFILL_IN_DDL_TRANSACTION]);
  });

  it.each([
    `DELETE FROM events WHERE deployment_id IS NULL`,
    `TRUNCATE events`,
    `DROP TABLE IF EXISTS alerts, "events"`,
    `ALTER TABLE events ADD CONSTRAINT events_fk FOREIGN KEY (deployment_id)
       REFERENCES deployments (id) ON DELETE CASCADE`,
    `CREATE OR REPLACE FUNCTION gone() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN DELETE FROM events WHERE deployment_id = OLD.id; RETURN OLD; END $$`,
  ])('flags a down() that deletes audit events: %s', async (sql) => {
    const bad = migration([`ALTER TABLE nodes ADD COLUMN rack text`], [sql]);
    expect(await rulesBroken(bad)).toEqual([MigrationRule.DOWN_DELETES_EVENTS]);
  });

  it('lets a down() touch other tables named like events', async () => {
    const fine = migration(
      [`ALTER TABLE nodes ADD COLUMN rack text`],
      [`DELETE FROM deployment_events`, `DROP INDEX events_created_at_brin_idx`],
    );
    expect(await rulesBroken(fine)).toEqual([]);
  });

  it('an allowance covers its migration and rule only, and a stale one is reported', () => {
    const finding = {
      migration: 'Old1',
      rule: MigrationRule.INDEX_WITHOUT_CONCURRENTLY,
      step: 'up' as const,
      statement: 'CREATE INDEX i ON nodes (x)',
    };
    const other = { ...finding, migration: 'New2' };
    const allowances = [
      { migration: 'Old1', rule: MigrationRule.INDEX_WITHOUT_CONCURRENTLY, why: 'ran' },
      { migration: 'Old1', rule: MigrationRule.VOLATILE_DEFAULT, why: 'fixed since' },
    ];
    expect(applyAllowances([finding, other], allowances)).toEqual({
      findings: [other],
      unused: [allowances[1]],
    });
  });
});
