const DAY_MS = 86_400_000;

export interface DailyPartition {
  name: string;
  from: Date;
  to: Date;
}

/** The UTC day partition that holds `at`: telemetry_samples_p20261127 for 2026-11-27. */
export function dailyPartition(at: Date): DailyPartition {
  const from = new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
  const day = from.toISOString().slice(0, 10).replace(/-/g, '');
  return { name: `telemetry_samples_p${day}`, from, to: new Date(from.getTime() + DAY_MS) };
}

/** Every daily partition covering [from, to]. */
export function partitionsCovering(from: Date, to: Date): DailyPartition[] {
  const out: DailyPartition[] = [];
  for (let p = dailyPartition(from); p.from <= to; p = dailyPartition(p.to)) out.push(p);
  return out;
}

/** The day of a partition from its name, or null for a table that is not one of ours. */
export function partitionDay(name: string): Date | null {
  const match = /^telemetry_samples_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  return match ? new Date(Date.UTC(+match[1], +match[2] - 1, +match[3])) : null;
}
