/**
 * Lints the PostgreSQL migrations in src/database/migrations (part of `npm run lint`): every
 * migration not in the allow-list must keep the rules of migration-rules.ts. Run with ts-node,
 * since the migrations are TypeScript.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { MigrationInterface } from 'typeorm';
import { MIGRATION_ALLOW_LIST } from './migration-allow-list';
import { applyAllowances, lintMigration } from './migration-linter';
import { recordMigration } from './migration-recorder';

const DIR = join(__dirname, '..', 'src', 'database', 'migrations');

async function main(): Promise<number> {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
  const all = [];
  for (const file of files.sort()) {
    // TypeORM takes every function a migration file exports for a migration; so does this.
    const exported = Object.values((await import(join(DIR, file))) as Record<string, unknown>);
    for (const Migration of exported) {
      if (typeof Migration !== 'function') continue;
      const migration = new (Migration as new () => MigrationInterface)();
      all.push(...lintMigration(await recordMigration(migration)));
    }
  }
  const { findings, unused } = applyAllowances(all, MIGRATION_ALLOW_LIST);
  for (const f of findings) {
    console.error(`${f.migration} ${f.step}(): ${f.rule}: ${f.statement}`);
  }
  for (const a of unused) {
    console.error(`migration-allow-list: ${a.migration} no longer breaks ${a.rule}; remove it`);
  }
  if (findings.length > 0 || unused.length > 0) return 1;
  console.log(`Migrations: ${files.length} files keep the rules (allow-list applied).`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
