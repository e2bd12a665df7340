import { randomBytes } from 'node:crypto';

/** Where the e2e run keeps its database and queue prefix; shared by setup, teardown and specs. */
export const TEST_STATE_FILE = `${__dirname}/../../node_modules/.cache/netorch-test-env.json`;

export function baseDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function uniqueSuffix(): string {
  return `${process.pid}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}
