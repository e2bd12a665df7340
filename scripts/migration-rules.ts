import type { RecordedMigration } from './migration-recorder';
import type { SquawkIssue } from './squawk-runner';

/** What a migration must not do to a live database. */
export enum MigrationRule {
  /** ADD COLUMN with a volatile default rewrites the whole table under an exclusive lock. */
  VOLATILE_DEFAULT = 'volatile-default',
  /** CREATE INDEX without CONCURRENTLY on an existing table blocks its writes while it builds. */
  INDEX_WITHOUT_CONCURRENTLY = 'index-without-concurrently',
  /** A backfill in the transaction of DDL holds the DDL's locks for the whole scan. */
  BACKFILL_IN_DDL_TRANSACTION = 'backfill-in-ddl-transaction',
  /** The audit trail is never deleted, not even by rolling a migration back. */
  DOWN_DELETES_EVENTS = 'down-deletes-events',
}

export interface Finding {
  migration: string;
  rule: MigrationRule;
  step: 'up' | 'down';
  /** The statement's first line, to find it in the migration. */
  statement: string;
}

/** The squawk rules that check our rules, and which of ours each one checks. */
export const SQUAWK_RULES: Readonly<Record<string, MigrationRule>> = {
  'adding-field-with-default': MigrationRule.VOLATILE_DEFAULT,
  'require-concurrent-index-creation': MigrationRule.INDEX_WITHOUT_CONCURRENTLY,
};

/** The statements as one SQL text, and the line each statement starts on (from 0). */
export function joinStatements(statements: readonly string[]): { sql: string; starts: number[] } {
  const starts: number[] = [];
  let line = 0;
  const parts = statements.map((s) => {
    starts.push(line);
    const part = `${s.trim().replace(/;\s*$/, '')};\n`;
    line += part.split('\n').length - 1;
    return part;
  });
  return { sql: parts.join(''), starts };
}

function firstLine(statement: string): string {
  return withoutComments(statement).trim().split('\n')[0].trim().slice(0, 120);
}

/** squawk's issues on a migration's up(), as findings of our rules (its other rules are not ours). */
export function squawkFindings(
  migration: RecordedMigration,
  issues: readonly SquawkIssue[],
  starts: readonly number[],
): Finding[] {
  return issues.flatMap((issue) => {
    const rule = SQUAWK_RULES[issue.rule_name];
    if (!rule) return [];
    let index = 0;
    while (index + 1 < starts.length && starts[index + 1] <= issue.line) index += 1;
    return [
      { migration: migration.name, rule, step: 'up', statement: firstLine(migration.up[index]) },
    ];
  });
}

function withoutComments(sql: string): string {
  return sql.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/--[^\n]*/g, ' ');
}

/** Function and procedure bodies run later, when called, not as the migration runs. */
function withoutRoutineBodies(sql: string): string {
  return sql.replace(
    /CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)[\s\S]*?(\$\w*\$)[\s\S]*?\1/gi,
    ' ',
  );
}

const IDENT = String.raw`(?:"?\w+"?\.)?"?(\w+)"?`;
const DDL = /\b(?:CREATE|ALTER|DROP)\s+(?!OR\s+REPLACE\s+(?:FUNCTION|PROCEDURE))/i;
const CREATED_TABLE = new RegExp(
  String.raw`CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?${IDENT}`,
  'gi',
);
const UPDATE = new RegExp(String.raw`\bUPDATE\s+(?:ONLY\s+)?${IDENT}\s+(?:\w+\s+)?SET\b`, 'gi');
const INSERT = new RegExp(String.raw`\bINSERT\s+INTO\s+${IDENT}([^;]*)`, 'gi');
const SOURCE = new RegExp(String.raw`\b(?:FROM|JOIN)\s+(?:ONLY\s+)?${IDENT}`, 'gi');

/** Catalog reads are not backfills. */
const isCatalog = (table: string) => /^(pg_|information_schema)/i.test(table);

/**
 * A transactional migration that runs DDL and also fills an existing table (UPDATE, or
 * INSERT ... SELECT reading one): the fill holds the DDL's locks until it ends. Tables the
 * migration creates are empty and exempt.
 */
export function backfillFindings(migration: RecordedMigration): Finding[] {
  if (!migration.transaction) return [];
  const up = migration.up.map((s) => withoutRoutineBodies(withoutComments(s)));
  if (!up.some((s) => DDL.test(s))) return [];
  const created = new Set(
    up.flatMap((s) => [...s.matchAll(CREATED_TABLE)].map((m) => m[1].toLowerCase())),
  );
  const existing = (table: string) => !created.has(table.toLowerCase()) && !isCatalog(table);
  return up.flatMap((sql, i) => {
    const updates = [...sql.matchAll(UPDATE)].some((m) => existing(m[1]));
    const inserts = [...sql.matchAll(INSERT)].some(
      ([, , rest]) =>
        /\bSELECT\b/i.test(rest) && [...rest.matchAll(SOURCE)].some((m) => existing(m[1])),
    );
    if (!updates && !inserts) return [];
    return [
      {
        migration: migration.name,
        rule: MigrationRule.BACKFILL_IN_DDL_TRANSACTION,
        step: 'up' as const,
        statement: firstLine(migration.up[i]),
      },
    ];
  });
}

const EVENTS = String.raw`(?:"?public"?\.)?"?events"?(?![\w"])`;
const DELETES_EVENTS = [
  new RegExp(String.raw`\bDELETE\s+FROM\s+(?:ONLY\s+)?${EVENTS}`, 'i'),
  new RegExp(String.raw`\bTRUNCATE\s+(?:TABLE\s+)?[^;]*?(?<![\w"])${EVENTS}`, 'i'),
  new RegExp(String.raw`\bDROP\s+TABLE\s+[^;]*?(?<![\w"])${EVENTS}`, 'i'),
  // A foreign key that cascades deletes to the events.
  new RegExp(String.raw`\bALTER\s+TABLE\s+(?:ONLY\s+)?${EVENTS}[^;]*ON\s+DELETE\s+CASCADE`, 'i'),
];

/**
 * A down() that deletes audit events, drops their table, or installs something (a trigger
 * function, a cascading key) that would delete them later.
 */
export function eventDeletionFindings(migration: RecordedMigration): Finding[] {
  return migration.down.flatMap((statement) =>
    DELETES_EVENTS.some((pattern) => pattern.test(withoutComments(statement)))
      ? [
          {
            migration: migration.name,
            rule: MigrationRule.DOWN_DELETES_EVENTS,
            step: 'down' as const,
            statement: firstLine(statement),
          },
        ]
      : [],
  );
}
