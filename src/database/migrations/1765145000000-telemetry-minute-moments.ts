import { MigrationInterface, QueryRunner } from 'typeorm';
import { mirrorSamplePartitionsSql } from '../migration-sql';

const STATES = [
  'latency_ms',
  'throughput_gbps',
  'error_rate',
  'latency_ms_throughput_gbps',
  'latency_ms_error_rate',
  'throughput_gbps_error_rate',
] as const;

/**
 * Per node and minute, the regression state PostgreSQL's own regr_* and corr aggregates keep
 * (float8[6]: N, Sx, Sxx, Sy, Syy, Sxy, with Sxx, Syy and Sxy centred on the means, the
 * Youngs-Cramer way): for each metric against time in minutes since the start of the minute,
 * and for each pair of metrics. Trends, node histories and correlations merge a window's minutes
 * with float8_regr_combine and finish with float8_regr_slope / _intercept / _r2 / float8_corr,
 * so they equal the aggregates over the raw rows to rounding, without sums of squares.
 *
 * The telemetry fold fills a minute once it has passed; `n` is the minute's sample count at that
 * fold, so a reader uses a row only while it equals the rollup's count (a late sample makes it
 * stale and the reader takes that node-minute from the raw samples). Partitioned by day like
 * the samples, so retention drops both together.
 */
export class TelemetryMinuteMoments1765145000000 implements MigrationInterface {
  name = 'TelemetryMinuteMoments1765145000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE telemetry_minute_moments (
        deployment_id integer NOT NULL,
        node_id integer NOT NULL,
        minute timestamptz NOT NULL,
        n integer NOT NULL CHECK (n >= 1),
        ${STATES.map((s) => `${s} double precision[] NOT NULL`).join(',\n        ')},
        PRIMARY KEY (deployment_id, minute, node_id)
      ) PARTITION BY RANGE (minute)`);
    await q.query(mirrorSamplePartitionsSql('telemetry_minute_moments'));
    // A window's states merged in SQL: PostgreSQL's own combine step of regr_* and corr.
    await q.query(`
      CREATE AGGREGATE trends_regr(double precision[]) (
        SFUNC = float8_regr_combine, STYPE = double precision[], INITCOND = '{0,0,0,0,0,0}',
        COMBINEFUNC = float8_regr_combine, PARALLEL = SAFE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP AGGREGATE trends_regr(double precision[])`);
    await q.query(`DROP TABLE telemetry_minute_moments`);
  }
}
