import { Queryable } from '../store/queryable';
import type { CredentialKind } from './credential-kinds';

/** A deployment names a credential it cannot use; the API answers 422 with the message. */
export class CredentialUseError extends Error {}

/**
 * Which credential a deployment uses, for what. Features that let a deployment name a credential
 * (a driver, a telemetry source) record it here in the transaction that stores the reference:
 *
 *   await replaceCredentialUse(q, deploymentId, 'driver', dto.credential ?? null, ['ssh']);
 *
 * - `purpose` names the use, one credential per (deployment, purpose): e.g. `driver`,
 *   `telemetry:snmp`, `telemetry:prometheus`. A new call replaces the previous credential of the
 *   purpose; `null` drops it.
 * - The credential row is locked (FOR KEY SHARE) until the caller commits, so a concurrent
 *   `DELETE /credentials/{id}` waits and then answers 409 naming the deployment.
 * - A credential that does not exist, or is not of one of `kinds`, throws CredentialUseError
 *   naming `field` (default `credential`) and the kinds it takes; nothing is written. The API
 *   answers it with 422 and its message (HttpExceptionFilter), so a caller lets it through.
 * - Rows go with their deployment (ON DELETE CASCADE); `DELETE /credentials/{id}` is 409 while
 *   any row names it.
 */
export async function replaceCredentialUse(
  q: Queryable,
  deploymentId: number,
  purpose: string,
  credentialId: number | null,
  kinds: readonly CredentialKind[],
  field = 'credential',
): Promise<void> {
  if (credentialId === null) {
    await q.query(`DELETE FROM deployment_credentials WHERE deployment_id = $1 AND purpose = $2`, [
      deploymentId,
      purpose,
    ]);
    return;
  }
  const found: { kind: CredentialKind }[] = await q.query(
    `SELECT kind FROM credentials WHERE id = $1 FOR KEY SHARE`,
    [credentialId],
  );
  if (found.length === 0) {
    throw new CredentialUseError(`${field}: credential ${credentialId} does not exist`);
  }
  if (!kinds.includes(found[0].kind)) {
    throw new CredentialUseError(
      `${field}: credential ${credentialId} is of kind ${found[0].kind}; ${purpose} takes ${kinds.join(' or ')}`,
    );
  }
  await q.query(
    `INSERT INTO deployment_credentials (deployment_id, purpose, credential_id)
     VALUES ($1, $2, $3)
     ON CONFLICT (deployment_id, purpose) DO UPDATE SET credential_id = EXCLUDED.credential_id`,
    [deploymentId, purpose, credentialId],
  );
}

/** The credential a deployment uses for `purpose`, or null. */
export async function credentialInUse(
  q: Queryable,
  deploymentId: number,
  purpose: string,
): Promise<number | null> {
  const rows: { credential_id: number }[] = await q.query(
    `SELECT credential_id FROM deployment_credentials WHERE deployment_id = $1 AND purpose = $2`,
    [deploymentId, purpose],
  );
  return rows[0]?.credential_id ?? null;
}
