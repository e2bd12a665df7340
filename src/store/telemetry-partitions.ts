import { DAY_MS } from '../domain/time';

/**
 * Every table that holds telemetry by time: range-partitioned by day on a timestamptz column
 * and carrying `deployment_id` and `node_id` columns. Partition upkeep (creation ahead, retention
 * drops) and sample deletes iterate over this list, so a table appended here is created,
 * retained and purged exactly like the samples.
 */
export const PARTITIONED_TABLES: string[] = [
  'telemetry_samples',
  'telemetry_rollups',
  'telemetry_rollup_groups',
  'telemetry_prefix_sums',
  'telemetry_minute_moments',
];

export interface DailyPartition {
  /** `<table>_pYYYYMMDD`. */
  name: string;
  table: string;
  from: Date;
  to: Date;
}

/** The UTC day partition of `table` that holds `at`: telemetry_samples_p20261127 for 2026-11-27. */
export function dailyPartition(at: Date, table = 'telemetry_samples'): DailyPartition {
  const from = new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
  const day = from.toISOString().slice(0, 10).replace(/-/g, '');
  return { name: `${table}_p${day}`, table, from, to: new Date(from.getTime() + DAY_MS) };
}

/** Every daily partition of `table` covering [from, to]. */
export function partitionsCovering(
  from: Date,
  to: Date,
  table = 'telemetry_samples',
): DailyPartition[] {
  const out: DailyPartition[] = [];
  for (let p = dailyPartition(from, table); p.from <= to; p = dailyPartition(p.to, table)) {
    out.push(p);
  }
  return out;
}

/** The day of a partition of `table` from its name, or null for a table that is not one of ours. */
export function partitionDay(name: string, table = 'telemetry_samples'): Date | null {
  if (!name.startsWith(`${table}_p`)) return null;
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(name.slice(table.length + 2));
  return match ? new Date(Date.UTC(+match[1], +match[2] - 1, +match[3])) : null;
}

/**
 * The partitions to drop: whole days that ended at or before the retention horizon. A day that
 * still holds one retained instant is kept, so retention never cuts into the retained window.
 */
export function expiredPartitions(names: string[], table: string, horizon: Date): string[] {
  return names.filter((name) => {
    const day = partitionDay(name, table);
    return day !== null && day.getTime() + DAY_MS <= horizon.getTime();
  });
}
