import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GenerateSql, SQL } from '../database/generate-sql';
import { Queryable } from '../store/queryable';
import type { CredentialKind, PlainField, SecretField } from './credential-kinds';

/** A credentials row: plain fields in `params`, secret fields sealed together in `sealed`. */
export interface CredentialRow {
  id: number;
  name: string;
  kind: CredentialKind;
  params: Partial<Record<PlainField, string>>;
  /** The names of the secret fields `sealed` holds, so responses say has_* without opening it. */
  secret_fields: SecretField[];
  /** SecretBox.seal of the JSON object of secret fields, context `credential`. */
  sealed: string;
  created_at: Date;
  updated_at: Date;
}

export type NewCredential = Pick<
  CredentialRow,
  'name' | 'kind' | 'params' | 'secret_fields' | 'sealed'
>;

export interface CredentialUser {
  credential_id: number;
  deployment_id: number;
  name: string;
  purpose: string;
}

// Any constant: serialises creations so MAX_CREDENTIALS holds under concurrent POSTs.
const CREATE_LOCK_KEY = 7_246_110_401;

/**
 * Owns the credentials table (deployment_credentials: credential-use.ts). UPDATE and DELETE run
 * in a WITH: TypeORM answers a bare one with [rows, count], not the rows.
 */
@Injectable()
export class CredentialsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Inserts unless `max` credentials exist already (then null); a taken name throws 23505. */
  @GenerateSql({
    params: [
      SQL,
      {
        name: 'lab-snmp',
        kind: 'snmp-v2c',
        params: {},
        secret_fields: ['community'],
        sealed: 'v1:…',
      },
      1000,
    ],
  })
  async insert(q: Queryable, c: NewCredential, max: number): Promise<CredentialRow | null> {
    await q.query(`SELECT pg_advisory_xact_lock($1)`, [CREATE_LOCK_KEY]);
    const rows: CredentialRow[] = await q.query(
      `INSERT INTO credentials (name, kind, params, secret_fields, sealed)
       SELECT $1, $2, $3, $4, $5 WHERE (SELECT count(*) FROM credentials) < $6
       RETURNING *`,
      [c.name, c.kind, c.params, c.secret_fields, c.sealed, max],
    );
    return rows[0] ?? null;
  }

  @GenerateSql({ params: [] })
  list(): Promise<CredentialRow[]> {
    return this.dataSource.query(`SELECT * FROM credentials ORDER BY id`);
  }

  @GenerateSql({ params: [SQL, 4] })
  async find(q: Queryable, id: number, forUpdate = false): Promise<CredentialRow | null> {
    const rows: CredentialRow[] = await q.query(
      `SELECT * FROM credentials WHERE id = $1${forUpdate ? ' FOR NO KEY UPDATE' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  @GenerateSql({
    params: [
      SQL,
      4,
      { name: 'lab-snmp', params: {}, secret_fields: ['community'], sealed: 'v1:…' },
    ],
  })
  async update(q: Queryable, id: number, c: Omit<NewCredential, 'kind'>): Promise<CredentialRow> {
    const rows: CredentialRow[] = await q.query(
      `WITH changed AS (
         UPDATE credentials SET name = $2, params = $3, secret_fields = $4, sealed = $5,
           updated_at = now()
         WHERE id = $1 RETURNING *)
       SELECT * FROM changed`,
      [id, c.name, c.params, c.secret_fields, c.sealed],
    );
    return rows[0];
  }

  /** Deletes the credential; a row of deployment_credentials naming it throws 23503. */
  @GenerateSql({ params: [SQL, 4] })
  async delete(q: Queryable, id: number): Promise<boolean> {
    const rows: unknown[] = await q.query(
      `WITH gone AS (DELETE FROM credentials WHERE id = $1 RETURNING id) SELECT id FROM gone`,
      [id],
    );
    return rows.length > 0;
  }

  /** The deployments that use any of the credentials `ids` (and for what). */
  @GenerateSql({ params: [SQL, [4, 5]] })
  users(q: Queryable, ids: number[]): Promise<CredentialUser[]> {
    return q.query(
      `SELECT u.credential_id, u.deployment_id, d.name, u.purpose
       FROM deployment_credentials u JOIN deployments d ON d.id = u.deployment_id
       WHERE u.credential_id = ANY($1::int[]) ORDER BY u.deployment_id, u.purpose`,
      [ids],
    );
  }
}
