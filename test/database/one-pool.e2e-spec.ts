import { Pool } from 'pg';
import { createDeployment } from '../support/deployments';
import { waitAllTerminal } from '../support/node-states';
import { testPool } from '../support/database';
import { Service, startService } from '../support/service';

const POOL_SIZE = 4;
let all: Service;
let db: Pool;

beforeAll(async () => {
  all = await startService({
    APP_ROLE: 'all',
    DB_POOL_SIZE: String(POOL_SIZE),
    SIM_TIME_SCALE: '0.01',
    SIM_FAILURE_RATE: '0',
  });
  db = testPool();
});

afterAll(async () => {
  await db?.end();
  await all?.stop();
});

/** The service's sessions on this run's database (the test's own pool has no name). */
async function serviceSessions(): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND application_name = 'netorch'`,
  );
  return rows[0].n;
}

describe('APP_ROLE=all', () => {
  it('serves the API and runs the workers on one pool of DB_POOL_SIZE connections', async () => {
    const id = (await createDeployment(all, { target_node_count: 40 })).id;
    let most = 0;
    // API reads from many clients at once while the workers roll the fabric out.
    for (let round = 0; round < 5; round++) {
      const reads = await Promise.all(
        Array.from({ length: 16 }, () => all.http.get(`/deployments/${id}/nodes`)),
      );
      expect(reads.every((r) => r.status === 200)).toBe(true);
      most = Math.max(most, await serviceSessions());
    }
    await waitAllTerminal(db, id, 40);
    most = Math.max(most, await serviceSessions());
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(POOL_SIZE);
  });
});
