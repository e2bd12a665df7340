/** The metrics every telemetry sample carries, by their column names in PostgreSQL and JSON. */
export const METRICS = ['latency_ms', 'throughput_gbps', 'error_rate'] as const;
export type Metric = (typeof METRICS)[number];
