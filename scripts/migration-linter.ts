import type { RecordedMigration } from './migration-recorder';
import {
  backfillFindings,
  eventDeletionFindings,
  Finding,
  joinStatements,
  MigrationRule,
  squawkFindings,
} from './migration-rules';
import { runSquawk } from './squawk-runner';

/** An existing migration's known break of a rule: it has run everywhere and cannot change. */
export interface Allowance {
  migration: string;
  rule: MigrationRule;
  /** Why it was acceptable then, or why it is harmless. */
  why: string;
}

/** Every finding on one migration: squawk's rules on its up(), ours on up() and down(). */
export function lintMigration(migration: RecordedMigration): Finding[] {
  const { sql, starts } = joinStatements(migration.up);
  const issues = runSquawk(sql, `${migration.name}.up.sql`, migration.transaction);
  return [
    ...squawkFindings(migration, issues, starts),
    ...backfillFindings(migration),
    ...eventDeletionFindings(migration),
  ];
}

/**
 * The findings no allowance covers, and the allowances that cover nothing (a stale entry would
 * otherwise hide a future break of the same rule in the same migration).
 */
export function applyAllowances(
  findings: readonly Finding[],
  allowances: readonly Allowance[],
): { findings: Finding[]; unused: Allowance[] } {
  const covers = (a: Allowance, f: Finding) => a.migration === f.migration && a.rule === f.rule;
  return {
    findings: findings.filter((f) => !allowances.some((a) => covers(a, f))),
    unused: allowances.filter((a) => !findings.some((f) => covers(a, f))),
  };
}
