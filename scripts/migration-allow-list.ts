import { MigrationRule } from './migration-rules';
import type { Allowance } from './migration-linter';

const { INDEX_WITHOUT_CONCURRENTLY, BACKFILL_IN_DDL_TRANSACTION, DOWN_DELETES_EVENTS } =
  MigrationRule;

/**
 * Migrations that ran everywhere before the migration rules existed and break one. They cannot
 * change (a migration that ran is history); every migration after them keeps the rules. An
 * entry that no longer matches anything fails the lint, so this list only ever shrinks.
 */
export const MIGRATION_ALLOW_LIST: readonly Allowance[] = [
  {
    migration: 'InitialSchema1764250000000',
    rule: DOWN_DELETES_EVENTS,
    why: 'Rolling back the first migration drops the whole schema, events with it.',
  },
  {
    migration: 'LifecycleShardIndex1764250100000',
    rule: INDEX_WITHOUT_CONCURRENTLY,
    why: 'Index on nodes built in the transaction, while fleets were still small.',
  },
  {
    migration: 'TelemetryRollups1764250300000',
    rule: BACKFILL_IN_DDL_TRANSACTION,
    why: 'Fills the new rollups from telemetry_samples in the transaction that creates them.',
  },
  {
    migration: 'Day2Operations1764250400000',
    rule: INDEX_WITHOUT_CONCURRENTLY,
    why: 'Index on events built in the transaction.',
  },
  {
    migration: 'TelemetryRollupGroups1764250500000',
    rule: BACKFILL_IN_DDL_TRANSACTION,
    why: 'Fills the new group rollups from telemetry_samples in the creating transaction.',
  },
  {
    migration: 'LifecycleHotUpdates1764250700000',
    rule: DOWN_DELETES_EVENTS,
    why: "Its down() restores the events' cascading foreign key to deployments.",
  },
  {
    migration: 'NodeStateCounts1764260900000',
    rule: BACKFILL_IN_DDL_TRANSACTION,
    why: 'Counts every node into the new node_state_counts under the triggers that keep it.',
  },
  {
    migration: 'EventsOutliveDeployments1764261000000',
    rule: INDEX_WITHOUT_CONCURRENTLY,
    why: 'BRIN index on events built in the transaction (a BRIN build is one quick pass).',
  },
  {
    migration: 'EventsOutliveDeployments1764261000000',
    rule: DOWN_DELETES_EVENTS,
    why: "Its down() restores deleting a deployment's events with it, orphans first.",
  },
  {
    migration: 'TelemetryRollupMax1764261010000',
    rule: BACKFILL_IN_DDL_TRANSACTION,
    why: 'Fills the new max columns of both rollup tables in the transaction that adds them.',
  },
  {
    migration: 'FabricTopology1764261100000',
    rule: INDEX_WITHOUT_CONCURRENTLY,
    why: 'Partial index on nodes built in the transaction.',
  },
  {
    migration: 'AlertingDeploymentEvents1764261420000',
    rule: INDEX_WITHOUT_CONCURRENTLY,
    why: 'Indexes on events and the alerting tables built in the transaction.',
  },
  {
    migration: 'AlertingDeploymentEvents1764261420000',
    rule: BACKFILL_IN_DDL_TRANSACTION,
    why: 'Records every deployment in the new alert_deployment_statuses (one row each).',
  },
];
