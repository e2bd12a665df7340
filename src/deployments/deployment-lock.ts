import { EntityManager } from 'typeorm';

/**
 * Serialises the API's own changes to one deployment (grow numbering, retry, shrink, delete,
 * rename) until commit. An advisory lock, so the workers, which never take it, are not held up.
 */
export async function lockDeploymentChanges(m: EntityManager, deploymentId: number) {
  await m.query(`SELECT pg_advisory_xact_lock(hashtext('netorch.deployment-change'), $1)`, [
    deploymentId,
  ]);
}
