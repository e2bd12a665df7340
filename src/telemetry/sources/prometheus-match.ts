import { stripPort } from '../remote-write/node-match';
import type { VectorSample } from './prometheus-client';

/** The metrics of a sample, in the order of the storage columns. */
export const PROMETHEUS_METRICS = ['latency_ms', 'throughput_gbps', 'error_rate'] as const;
const MAX = [Infinity, Infinity, 100];

/** One node's values at a tick; a metric not queried, or with no usable series, is null. */
export interface NodeValues {
  nodeId: number;
  values: [number | null, number | null, number | null];
}

/**
 * Matches the series of each metric's query to nodes by their `nodeLabel` value (`:port`
 * dropped) and gives one row per node that has any value. Series that name no node, or carry
 * no such label, are counted as unmatched; NaN, infinite and out-of-range values are counted as
 * invalid. When several series name one node, the first one Prometheus listed counts.
 */
export function matchSeries(
  results: (VectorSample[] | undefined)[],
  nodeLabel: string,
  nodes: Map<string, number>,
): { rows: NodeValues[]; unmatched: number; invalid: number } {
  const rows = new Map<number, NodeValues>();
  let unmatched = 0;
  let invalid = 0;
  results.forEach((series, metric) => {
    for (const s of series ?? []) {
      const label = s.metric[nodeLabel];
      const nodeId = label === undefined ? undefined : nodes.get(stripPort(label));
      if (nodeId === undefined) {
        unmatched++;
        continue;
      }
      const value = Number(s.value[1]);
      if (!Number.isFinite(value) || value < 0 || value > MAX[metric]) {
        invalid++;
        continue;
      }
      let row = rows.get(nodeId);
      if (!row) {
        row = { nodeId, values: [null, null, null] };
        rows.set(nodeId, row);
      }
      row.values[metric] ??= value;
    }
  });
  return { rows: [...rows.values()], unmatched, invalid };
}
