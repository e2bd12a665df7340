import { execFileSync } from 'child_process';
import { existsSync, readdirSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import { formatSql, QUERIES_DIR, showValue } from '../../scripts/sql-catalogue';
import { SQL } from '../database/generate-sql';

const ROOT = resolve(__dirname, '..', '..');

describe('formatSql', () => {
  it('removes the indentation common to the lines after the first, and blank edges', () => {
    expect(formatSql('\n    SELECT a\n    FROM t\n      WHERE b\n  ')).toBe(
      'SELECT a\nFROM t\n  WHERE b',
    );
    expect(formatSql('SELECT a FROM t\n       WHERE b = $1')).toBe('SELECT a FROM t\nWHERE b = $1');
    expect(formatSql('DELETE FROM t')).toBe('DELETE FROM t');
  });
});

describe('showValue', () => {
  it('shows dates as ISO strings, typed arrays as lists and the connection as SQL', () => {
    expect(showValue(SQL)).toBe('SQL');
    expect(showValue({ at: new Date(0), ids: new Int32Array([1, 2]) })).toBe(
      '{"at":"1970-01-01T00:00:00.000Z","ids":[1,2]}',
    );
    expect(showValue(undefined)).toBe('undefined');
  });
});

describe('the SQL catalogue in src/queries', () => {
  it('is what `npm run sql:generate` writes', () => {
    // The repositories load @nestjs/common, an ES module Jest cannot require: render in Node.
    const output = execFileSync(
      process.execPath,
      [
        require.resolve('ts-node/dist/bin'),
        '--transpile-only',
        'scripts/generate-sql.ts',
        '--json',
      ],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const rendered = JSON.parse(output) as { files: Record<string, string>; errors: string[] };
    const files = new Map(Object.entries(rendered.files));
    const dir = join(ROOT, QUERIES_DIR);
    const checkedIn = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.md')) : [];
    const stale = ([f, content]: [string, string]) =>
      checkedIn.includes(f) && readFileSync(join(dir, f), 'utf8') !== content;
    const problems = [
      ...rendered.errors,
      ...[...files.keys()].filter((f) => !checkedIn.includes(f)).map((f) => `${f} is missing`),
      ...checkedIn.filter((f) => !files.has(f)).map((f) => `${f} is left over`),
      ...[...files].filter(stale).map(([f]) => `${f} is stale`),
    ];
    if (problems.length > 0) {
      throw new Error(
        `${problems.join('\n')}\nRun \`npm run sql:generate\` and commit src/queries.`,
      );
    }
    expect(files.size).toBeGreaterThan(0);
  });
});
