import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A receiver's circuit breaker: its failures in a row, how often the breaker has opened in a
 * row (the pause doubles each time) and until when its deliveries wait; and the job of a
 * delivery, so the sweep can tell a lost job from one waiting. Constant defaults, so adding
 * the columns rewrites nothing.
 */
export class ReceiverBreaker1765140000000 implements MigrationInterface {
  name = 'ReceiverBreaker1765140000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE alert_receivers
        ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0,
        ADD COLUMN breaker_opens integer NOT NULL DEFAULT 0,
        ADD COLUMN paused_until timestamptz`);
    // The job that sends a delivery when it is not the delivery's id (a redelivery's job).
    await q.query(`ALTER TABLE alert_deliveries ADD COLUMN job_id varchar(100)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE alert_deliveries DROP COLUMN job_id`);
    await q.query(`
      ALTER TABLE alert_receivers
        DROP COLUMN consecutive_failures,
        DROP COLUMN breaker_opens,
        DROP COLUMN paused_until`);
  }
}
