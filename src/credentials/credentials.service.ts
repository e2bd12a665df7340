import {
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { SecretBox, SecretOpenError } from '../secrets/secret-box';
import { inTransaction, Queryable } from '../store/queryable';
import {
  CredentialFields,
  CredentialKind,
  credentialProblems,
  splitFields,
} from './credential-kinds';
import { CREDENTIAL_CONTEXT } from './credential-secrets.service';
import { CredentialRow, CredentialsRepository, CredentialUser } from './credentials.repository';
import { CreateCredentialDto, CredentialResponse, UpdateCredentialDto } from './dto/credential.dto';

function pgCode(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}

/** The API side of credentials: checks, seals and stores them; never returns a secret. */
@Injectable()
export class CredentialsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly credentials: CredentialsRepository,
    private readonly box: SecretBox,
  ) {}

  /** Checks the fields against the kind and seals the secret ones (422 naming each problem). */
  private sealed(kind: CredentialKind, fields: CredentialFields) {
    const problems = credentialProblems(kind, fields);
    if (problems.length > 0) throw new UnprocessableEntityException(problems.join('; '));
    const { plain, secret } = splitFields(kind, fields);
    return {
      params: plain,
      secret_fields: Object.keys(secret) as (keyof typeof secret)[],
      sealed: this.box.seal(JSON.stringify(secret), CREDENTIAL_CONTEXT),
    };
  }

  /** Runs a write, turning a taken name into 409. */
  private async named<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (pgCode(error) === '23505') {
        throw new ConflictException(`A credential named "${name}" already exists`);
      }
      throw error;
    }
  }

  private async response(q: Queryable, rows: CredentialRow[]): Promise<CredentialResponse[]> {
    const users = await this.credentials.users(
      q,
      rows.map((r) => r.id),
    );
    const of = (id: number) =>
      users
        .filter((u) => u.credential_id === id)
        .map(({ deployment_id, name, purpose }) => ({ deployment_id, name, purpose }));
    return rows.map((row) => CredentialResponse.from(row, of(row.id)));
  }

  async create(dto: CreateCredentialDto): Promise<CredentialResponse> {
    const { name, kind, ...fields } = dto;
    const values = this.sealed(kind, fields);
    const row = await this.named(name, () =>
      inTransaction(this.dataSource, (q) =>
        this.credentials.insert(q, { name, kind, ...values }, this.config.maxCredentials),
      ),
    );
    if (!row) {
      throw new UnprocessableEntityException(
        `${this.config.maxCredentials} credentials exist already, the most this server keeps (MAX_CREDENTIALS); delete one first`,
      );
    }
    return CredentialResponse.from(row, []);
  }

  async list(): Promise<CredentialResponse[]> {
    return this.response(this.dataSource, await this.credentials.list());
  }

  async get(id: number): Promise<CredentialResponse> {
    const row = await this.credentials.find(this.dataSource, id);
    if (!row) throw new NotFoundException('Credential not found');
    return (await this.response(this.dataSource, [row]))[0];
  }

  /** The secret fields of a row; 409 when no configured key opens them. */
  private stored(row: CredentialRow): object {
    try {
      return JSON.parse(this.box.open(row.sealed, CREDENTIAL_CONTEXT)) as object;
    } catch (error) {
      if (!(error instanceof SecretOpenError)) throw error;
      throw new ConflictException(
        `Credential ${row.id} cannot be opened (${error.message}); set SECRETS_KEY_PREVIOUS to the key it was stored under, or delete it and store it again`,
      );
    }
  }

  /** Merges the change into the stored fields (opened, then sealed again under SECRETS_KEY). */
  async update(id: number, dto: UpdateCredentialDto): Promise<CredentialResponse> {
    const { name, ...given } = dto;
    // Only the fields the request names change; null removes one.
    const change = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
    const row = await this.named(name ?? '', () =>
      inTransaction(this.dataSource, async (q) => {
        const current = await this.credentials.find(q, id, true);
        if (!current) throw new NotFoundException('Credential not found');
        const stored = this.stored(current);
        const fields: CredentialFields = { ...current.params, ...stored, ...change };
        const values = this.sealed(current.kind, fields);
        return this.credentials.update(q, id, { name: name ?? current.name, ...values });
      }),
    );
    return (await this.response(this.dataSource, [row]))[0];
  }

  /** Deletes a credential no deployment uses; else 409 naming the deployments. */
  async delete(id: number): Promise<void> {
    const inUse = (users: CredentialUser[]) =>
      new ConflictException(
        `Credential ${id} is in use by ${users
          .map((u) => `deployment ${u.deployment_id} (${u.name}, ${u.purpose})`)
          .join(', ')}; change or delete them first`,
      );
    await inTransaction(this.dataSource, async (q) => {
      const users = await this.credentials.users(q, [id]);
      if (users.length > 0) throw inUse(users);
      try {
        if (!(await this.credentials.delete(q, id))) {
          throw new NotFoundException('Credential not found');
        }
      } catch (error) {
        // A deployment started using it between the check and the delete.
        if (pgCode(error) !== '23503') throw error;
        throw inUse(await this.credentials.users(this.dataSource, [id]));
      }
    });
  }
}
