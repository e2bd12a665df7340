import type { Pool } from 'pg';
import { testPool } from './database';
import { deleteQueuePrefix } from './queues';
import { Service, startService } from './service';

/**
 * A suite's afterAll: deletes its deployments (found by the name nobody else uses), so no fleet
 * is left for the workers of later suites, even when a test failed half way; then ends the
 * pool, stops the service and deletes the suite's own queue keys.
 */
export async function cleanUp({
  service,
  db,
  name,
  prefix,
}: {
  service?: Service;
  db?: Pool;
  name?: string;
  prefix?: string;
}): Promise<void> {
  if (service && db && name) {
    const { rows } = await db.query(`SELECT id FROM deployments WHERE name = $1`, [name]);
    for (const { id } of rows) await service.http.delete(`/deployments/${id}`);
  }
  await db?.end();
  await service?.stop();
  if (prefix) await deleteQueuePrefix(prefix);
}

/** A suite's beforeAll: the service (API only unless `env` says otherwise) and a pool on its database. */
export async function startWithPool(
  env: Record<string, string> = {},
): Promise<{ api: Service; db: Pool }> {
  const db = testPool();
  return { api: await startService({ APP_ROLE: 'api', ...env }), db };
}
