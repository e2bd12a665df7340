/** The rows of the window statements, and how the rows of a run's parts merge into one answer. */
import { NodeRole } from '../domain/node-role';

/** A node row (node_id set) or the one summary row (node_id null). */
export interface WindowRow {
  node_id: number | null;
  /** Node row: its samples in the window. Summary row: nodes below min_samples. */
  n: number;
  latency_ms: number | null;
  throughput_gbps: number | null;
  error_rate: number | null;
  last_epoch: number | null;
  /** Summary row only: {count, sum, M2} of every analysed sample, per metric. */
  all_latency_ms: number[] | null;
  all_throughput_gbps: number[] | null;
  all_error_rate: number[] | null;
  /** Node rows: the node's samples of each metric (latency, throughput, error rate). */
  metric_samples: number[] | null;
  /** Summary rows: the samples of the analysed nodes (a bigint: text from the driver). */
  samples: number | string | null;
  /** Summary row of GROUPED_WINDOW only: nodes with at least min_samples samples. */
  analysed?: number | null;
  /** Node rows of GROUPED_WINDOW: the node's name (node-001). */
  node_identifier?: string | null;
  /**
   * The statements by role (ROLE_GROUPED_WINDOW, ROLE_WINDOW): the node's role, or the
   * role whose baseline and counts a summary row holds (one summary row per role).
   */
  role?: NodeRole | null;
}

/** mergeParts by role: the node rows of every part and one summary row per role. */
export function mergeRoleParts(parts: WindowRow[][]): WindowRow[] {
  const summaries = new Map<string, WindowRow>();
  for (const row of parts.flat()) {
    if (row.node_id !== null) continue;
    const seen = summaries.get(row.role!);
    summaries.set(
      row.role!,
      seen
        ? { ...seen, n: seen.n + row.n, analysed: (seen.analysed ?? 0) + (row.analysed ?? 0) }
        : { ...row },
    );
  }
  return [
    ...parts.flatMap((rows) => rows.filter((r) => r.node_id !== null)),
    ...summaries.values(),
  ];
}

/** The node rows of every part, and one summary row: the baseline plus both parts' counts. */
export function mergeParts(parts: WindowRow[][]): WindowRow[] {
  const summaries = parts.map((rows) => rows.find((r) => r.node_id === null)!);
  const summary: WindowRow = {
    ...summaries[0],
    n: summaries.reduce((sum, r) => sum + r.n, 0),
    analysed: summaries.reduce((sum, r) => sum + (r.analysed ?? 0), 0),
  };
  return [...parts.flatMap((rows) => rows.filter((r) => r.node_id !== null)), summary];
}
