import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SecretBox } from '../secrets/secret-box';
import type { CredentialKind, ResolvedOf } from './credential-kinds';
import { credentialInUse } from './credential-use';
import { CredentialsRepository } from './credentials.repository';

/** A credential that cannot be used: gone, of another kind, or sealed under an unknown key. */
export class CredentialUnavailableError extends Error {}

/** What credentials are sealed as (authenticated data of SecretBox). */
export const CREDENTIAL_CONTEXT = 'credential';

/**
 * Opens credentials for the code that uses them (drivers, telemetry sources), in the worker.
 * The result holds secrets: pass it to the program or request that needs it, never to a log
 * line, a job payload, an event, a span attribute or an error message. Job payloads carry the
 * credential id (or the deployment id) and the processor resolves it when it runs.
 * Errors name the credential by id and never carry a secret.
 */
@Injectable()
export class CredentialSecrets {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly credentials: CredentialsRepository,
    private readonly box: SecretBox,
  ) {}

  /** The credential `id` with its secrets, if it is of one of `kinds`. */
  async resolve<K extends CredentialKind>(id: number, kinds: readonly K[]): Promise<ResolvedOf<K>> {
    const row = await this.credentials.find(this.dataSource, id);
    if (!row) throw new CredentialUnavailableError(`credential ${id} does not exist`);
    if (!(kinds as readonly CredentialKind[]).includes(row.kind)) {
      throw new CredentialUnavailableError(
        `credential ${id} is of kind ${row.kind}, not ${kinds.join(' or ')}`,
      );
    }
    let secret: Record<string, string>;
    try {
      secret = JSON.parse(this.box.open(row.sealed, CREDENTIAL_CONTEXT)) as Record<string, string>;
    } catch (error) {
      throw new CredentialUnavailableError(
        `credential ${id} cannot be opened: ${(error as Error).message}`,
      );
    }
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      ...row.params,
      ...secret,
    } as ResolvedOf<K>;
  }

  /** The credential a deployment uses for `purpose` (see replaceCredentialUse), or null. */
  async resolveUse<K extends CredentialKind>(
    deploymentId: number,
    purpose: string,
    kinds: readonly K[],
  ): Promise<ResolvedOf<K> | null> {
    const id = await credentialInUse(this.dataSource, deploymentId, purpose);
    return id === null ? null : this.resolve(id, kinds);
  }
}
