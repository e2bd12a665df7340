import { MigrationInterface, QueryRunner } from 'typeorm';

const METRICS = ['latency_ms', 'throughput_gbps', 'error_rate'] as const;

/**
 * Fills the per-metric counts that migration 1765120000000 added, for the rows written before
 * it: every sample then carried all three metrics, so each count is the row's `n`. Apart from
 * that migration's DDL, so the fill holds no DDL lock.
 */
export class TelemetryMetricCounts1765120100000 implements MigrationInterface {
  name = 'TelemetryMetricCounts1765120100000';

  async up(q: QueryRunner): Promise<void> {
    const set = METRICS.map((m) => `${m}_n = n`).join(', ');
    for (const table of [
      'telemetry_rollups',
      'telemetry_rollup_groups',
      'telemetry_prefix_buckets',
      'telemetry_prefix_role_buckets',
      'telemetry_prefix_sums',
    ]) {
      await q.query(`UPDATE ${table} SET ${set} WHERE latency_ms_n IS NULL`);
    }
  }

  async down(): Promise<void> {
    // The counts go with their columns when migration 1765120000000 is rolled back.
  }
}
