import { randomBytes } from 'node:crypto';

/** Where the run's databases are created and dropped from. */
export function baseDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function uniqueSuffix(): string {
  return `${process.pid}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** Set by global-setup in the jest parent process; global-teardown runs in that same process. */
export const RUN_DATABASE_URL = 'NETORCH_TEST_RUN_DATABASE_URL';
export const RUN_QUEUE_PREFIX = 'NETORCH_TEST_RUN_QUEUE_PREFIX';
