/**
 * The catalogue of the SQL that runs: every method marked with @GenerateSql, called with its
 * example arguments on a recording connection, and every statement a builder module lists as
 * SQL_EXAMPLES, rendered to one `src/queries/<file-name>.md` per module: a page to read, each
 * entry the method, its example arguments and the statements it runs in a fenced SQL block.
 */
import 'reflect-metadata';
import crypto from 'crypto';
import { readdirSync, readFileSync } from 'fs';
import { basename, join, relative } from 'path';
import { BuiltSqlExample, SQL, SqlExample, sqlCatalogue } from '../src/database/generate-sql';

/** Every recorder made so far, shown as `SQL` among example values. */
const recorders = new WeakSet<object>();

/** Where the catalogue is checked in, relative to the repository root. */
export const QUERIES_DIR = join('src', 'queries');

/** What `renderCatalogue` made: file name → content, and every example that could not run. */
export interface Catalogue {
  files: Map<string, string>;
  errors: string[];
}

type Constructor = abstract new (...args: never[]) => unknown;

/**
 * Every module under `dir` that marks a method with @GenerateSql or exports SQL_EXAMPLES
 * (sorted). Read from the source text, so a module without either is never loaded, whatever
 * its file is called.
 */
export function catalogueModules(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...catalogueModules(path));
    else if (!entry.name.endsWith('.ts') || entry.name.endsWith('.spec.ts')) continue;
    else if (/@GenerateSql\(|export const SQL_EXAMPLES\b/.test(readFileSync(path, 'utf8'))) {
      found.push(path);
    }
  }
  return found.sort();
}

/** A statement as the catalogue shows it: indentation common to its lines removed. */
export function formatSql(sql: string): string {
  const lines = sql.split('\n').map((line) => line.trimEnd());
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  // The first line often follows the opening backtick, so it does not count towards the indent.
  const rest = lines.slice(1).filter((line) => line !== '');
  const indent = Math.min(...rest.map((line) => line.length - line.trimStart().length));
  const cut = (line: string) => line.slice(Math.min(indent, line.length - line.trimStart().length));
  const body = lines.length > 1 ? [cut(lines[0]), ...lines.slice(1).map(cut)] : lines;
  return body.join('\n');
}

/** An example value as the catalogue shows it: JSON, dates as ISO strings, `SQL` by name. */
export function showValue(value: unknown): string {
  if (value === SQL || (typeof value === 'object' && value !== null && recorders.has(value))) {
    return 'SQL';
  }
  if (value === undefined) return 'undefined';
  return JSON.stringify(value, (_key, v: unknown) =>
    ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v,
  );
}

/** One line of a run: a statement with its values, or a call on a dependency. */
type Recorded = { sql: string; params?: unknown[]; fragment?: boolean } | { note: string };

/**
 * Stands for the data source, a transaction, a query runner and every other constructor
 * dependency: statements are recorded and answered from `rows` in order (no rows past it);
 * transactions run their callback on the recorder; other methods are noted and do nothing.
 */
function recorder(
  name: string,
  log: Recorded[],
  rows: unknown[][],
  fallback: unknown[] = [],
): unknown {
  const record = (sql: string | { text: string; values?: unknown[] }, params?: unknown[]) => {
    // pg's own form ({text, values}, as on the pool) answers {rows}; TypeORM's answers the rows.
    const native = typeof sql !== 'string';
    log.push(native ? { sql: sql.text, params: sql.values } : { sql, params });
    const statements = log.filter((line) => 'sql' in line).length;
    const answer = rows[statements - 1] ?? fallback;
    return Promise.resolve(native ? { rows: answer } : answer);
  };
  const self: unknown = new Proxy(
    {
      query: record,
      transaction: async (...args: unknown[]) => {
        const level = typeof args[0] === 'string' ? ` ISOLATION LEVEL ${args[0]}` : '';
        await record(`START TRANSACTION${level}`);
        const result: unknown = await (args[args.length - 1] as (m: unknown) => unknown)(self);
        await record('COMMIT');
        return result;
      },
      createQueryRunner: () => recorder('queryRunner', log, rows, fallback),
      connect: async () => undefined,
      release: async () => undefined,
      startTransaction: (level?: string) =>
        record(`START TRANSACTION${level ? ` ISOLATION LEVEL ${level}` : ''}`),
      commitTransaction: () => record('COMMIT'),
      rollbackTransaction: () => record('ROLLBACK'),
    } as Record<string | symbol, unknown>,
    {
      get(target, key) {
        if (key in target) return target[key];
        if (key === 'manager') return self;
        // The pg pool behind TypeORM's driver, for statements sent to it directly.
        if (key === 'driver') return { master: self };
        // Not a promise: awaiting a dependency must not call it.
        if (typeof key === 'symbol' || key === 'then' || key === 'toJSON') return undefined;
        return async (...args: unknown[]) => {
          log.push({ note: `${name}.${key}(${args.map(showValue).join(', ')})` });
        };
      },
    },
  );
  recorders.add(self as object);
  return self;
}

/** The lines of a run: statements with their values as comments, dependency calls noted. */
function renderRun(log: Recorded[]): string[] {
  if (log.length === 0) return ['-- (runs no statement)', ''];
  return log.flatMap((line) => {
    if ('note' in line) return [`-- calls ${line.note}`, ''];
    const values = (line.params ?? []).map((v, i) => `-- $${i + 1} = ${showValue(v)}`);
    return [...values, `${formatSql(line.sql)}${line.fragment ? '' : ';'}`, ''];
  });
}

/** A row whose every column reads 0: enough for a method that reads a count or a first row. */
const ANY_ROW: unknown = new Proxy(
  {},
  { get: (_, key) => (typeof key === 'symbol' ? undefined : 0) },
);

/**
 * Runs one example of a decorated method; the error, if it throws, names the example. A method
 * without example rows that throws on empty answers runs again with one row of zeros per
 * statement, and its header says so.
 */
async function runExample(
  owner: Constructor,
  method: string,
  example: SqlExample,
): Promise<{ lines: string[]; error?: string }> {
  const first = await runExampleWith(owner, method, example, []);
  if (!first.error || example.rows) return first;
  const again = await runExampleWith(owner, method, example, [ANY_ROW]);
  if (again.error) return first;
  // After the heading, its blank line and the example: a note on how it was answered.
  return {
    lines: [
      ...again.lines.slice(0, 3),
      '(answered with one row of zeros)',
      ...again.lines.slice(3),
    ],
  };
}

/** One entry of a page: a heading, what it was called with, and its statements. */
function entry(heading: string, note: string[], run: string[]): string[] {
  return [`### ${heading}`, '', ...note, '', '```sql', ...run, '```', ''];
}

/**
 * Runs `work` with crypto.randomUUID answering one fixed value, so a statement that sends a
 * fresh token (an idempotency claim) reads the same on every run and the pages stay current.
 */
async function withFixedUuids(work: () => unknown): Promise<void> {
  const random = crypto.randomUUID;
  crypto.randomUUID = () => '00000000-0000-4000-8000-000000000000';
  try {
    await work();
  } finally {
    crypto.randomUUID = random;
  }
}

async function runExampleWith(
  owner: Constructor,
  method: string,
  example: SqlExample,
  fallback: unknown[],
): Promise<{ lines: string[]; error?: string }> {
  const log: Recorded[] = [];
  const rows = example.rows ?? [];
  const paramTypes: { name?: string }[] =
    Reflect.getMetadata('design:paramtypes', owner) ?? new Array(owner.length).fill({});
  const deps = paramTypes.map((type, i) =>
    example.deps?.[i] !== undefined
      ? example.deps[i]
      : recorder(type?.name ?? `dependency${i}`, log, rows, fallback),
  );
  const label = `${owner.name}.${method}${example.name ? ` (${example.name})` : ''}`;
  try {
    const instance = new (owner as unknown as new (...args: unknown[]) => object)(...deps);
    const fn = (instance as Record<string, unknown>)[method];
    if (typeof fn !== 'function') throw new Error('is not a method');
    const args = example.params.map((p) => (p === SQL ? recorder('SQL', log, rows, fallback) : p));
    await withFixedUuids(() => (fn as (...args: unknown[]) => unknown).apply(instance, args));
  } catch (e) {
    const statements = log.filter((line) => 'sql' in line).length;
    return {
      lines: [],
      error:
        `${label} threw "${(e as Error).message}" after ${statements} statement(s) on the ` +
        `recording connection: give its @GenerateSql example the rows its statements need`,
    };
  }
  const call =
    example.params.length > 0
      ? `Example: \`${example.params.map(showValue).join(', ')}\``
      : 'Example: called without arguments.';
  return { lines: entry(label, [call], renderRun(log).slice(0, -1)) };
}

/** The catalogue of every module under `root`/src, in memory. */
export async function renderCatalogue(root: string): Promise<Catalogue> {
  const files = new Map<string, string>();
  const errors: string[] = [];
  const sources = new Map<string, string>();
  for (const path of catalogueModules(join(root, 'src'))) {
    const source = relative(root, path);
    const file = `${basename(path, '.ts')}.md`;
    const seen = sources.get(file);
    if (seen) errors.push(`${source} and ${seen} would both write ${file}`);
    sources.set(file, source);
    let exports: Record<string, unknown>;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      exports = require(path) as Record<string, unknown>;
    } catch (e) {
      errors.push(`${source} could not be loaded: ${(e as Error).message}`);
      continue;
    }
    const lines: string[] = [];
    const owners = Object.values(exports)
      .filter((value): value is Constructor => sqlCatalogue().has(value as Constructor))
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const owner of owners) {
      const methods = [...sqlCatalogue().get(owner)!].sort(([a], [b]) => a.localeCompare(b));
      for (const [method, examples] of methods) {
        for (const example of examples) {
          const run = await runExample(owner, method, example);
          if (run.error) errors.push(run.error);
          lines.push(...run.lines);
        }
      }
    }
    for (const built of (exports.SQL_EXAMPLES as BuiltSqlExample[] | undefined) ?? []) {
      lines.push(
        ...entry(
          built.name,
          ['A statement as its builder writes it.'],
          renderRun([{ ...built }]).slice(0, -1),
        ),
      );
    }
    if (lines.length === 0) continue;
    const head = [
      `# The SQL of ${source.split('\\').join('/')}`,
      '',
      'Written by `npm run sql:generate`. Each entry: the method and its example arguments, then',
      'every statement it runs, in order, with the values it sends.',
      '',
    ];
    files.set(file, [...head, ...lines].join('\n').trimEnd() + '\n');
  }
  return { files: new Map([...files].sort(([a], [b]) => a.localeCompare(b))), errors };
}
