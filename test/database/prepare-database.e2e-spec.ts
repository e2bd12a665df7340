import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, MIGRATIONS_TABLE } from '../../src/database/data-source';
import { baseDatabaseUrl, uniqueSuffix } from '../setup/test-env';
import { Service, startService } from '../support/service';

describe('Database preparation (real PostgreSQL)', () => {
  const name = `netorch_test_${uniqueSuffix()}_prep`;
  const url = new URL(baseDatabaseUrl());
  url.pathname = `/${name}`;
  const admin = new Client({ connectionString: baseDatabaseUrl() });

  beforeAll(() => admin.connect());

  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  it('lets several processes create the same missing database at once, without an error', async () => {
    const services: Service[] = [];
    try {
      const started = await Promise.allSettled(
        Array.from({ length: 3 }, () =>
          startService({ APP_ROLE: 'worker', DATABASE_URL: url.toString() }),
        ),
      );
      for (const s of started) if (s.status === 'fulfilled') services.push(s.value);
      expect(started.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      for (const service of services) expect(service.logs()).not.toMatch(/"level":"error"/);
      expect(services.filter((s) => s.logs().includes(`Created database ${name}`))).toHaveLength(1);
    } finally {
      await Promise.all(services.map((s) => s.stop()));
    }

    const db = new Client({ connectionString: url.toString() });
    await db.connect();
    try {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n, count(DISTINCT name)::int AS names FROM ${MIGRATIONS_TABLE}`,
      );
      expect(rows[0].n).toBeGreaterThan(0);
      expect(rows[0].n).toBe(rows[0].names);
    } finally {
      await db.end();
    }
  });

  it('reverts the latest migration and applies it again', async () => {
    const dataSource = new DataSource(dataSourceOptions(url.toString(), 2));
    await dataSource.initialize();
    try {
      const before = await dataSource.query(`SELECT count(*)::int AS n FROM ${MIGRATIONS_TABLE}`);
      await dataSource.undoLastMigration({ transaction: 'each' });
      const undone = await dataSource.query(`SELECT count(*)::int AS n FROM ${MIGRATIONS_TABLE}`);
      expect(undone[0].n).toBe(before[0].n - 1);
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      expect(applied).toHaveLength(1);
    } finally {
      await dataSource.destroy();
    }
  });
});
