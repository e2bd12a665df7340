import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** One problem squawk reports (its JSON reporter); `line` counts from 0. */
export interface SquawkIssue {
  line: number;
  rule_name: string;
  message: string;
}

/** squawk's launcher from the squawk-cli package (it runs the platform's prebuilt binary). */
const SQUAWK = join(__dirname, '..', 'node_modules', 'squawk-cli', 'js', 'bin', 'squawk');

/** The PostgreSQL version the service runs on; decides which defaults squawk calls volatile. */
const PG_VERSION = '15';

/**
 * Lints SQL with squawk. `inTransaction` says the statements run in one transaction, as a
 * TypeORM migration's do unless it sets `transaction = false`.
 */
export function runSquawk(sql: string, name: string, inTransaction: boolean): SquawkIssue[] {
  const args = ['--reporter', 'json', '--pg-version', PG_VERSION, '--stdin-filepath', name];
  if (inTransaction) args.push('--assume-in-transaction');
  const run = spawnSync(process.execPath, [SQUAWK, ...args], { input: sql, encoding: 'utf8' });
  // Exit status 1 means "found issues"; anything else, or no JSON, is squawk failing.
  if (run.error) throw run.error;
  if (run.status !== 0 && run.status !== 1) {
    throw new Error(`squawk exited with ${run.status} on ${name}: ${run.stderr}`);
  }
  return run.stdout.trim() === '' ? [] : (JSON.parse(run.stdout) as SquawkIssue[]);
}
