import type { Pool } from 'pg';
import { deleteQueuePrefix } from './queues';
import type { Service } from './service';

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
