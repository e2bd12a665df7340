import { MigrationInterface, QueryRunner } from 'typeorm';

/** Alert rules may use method `absent`: a RUNNING node with no sample in the rule's window. */
export class AlertMethodAbsent1765130100000 implements MigrationInterface {
  name = 'AlertMethodAbsent1765130100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE alert_rules DROP CONSTRAINT alert_rules_method_check`);
    await q.query(`
      ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_method_check
        CHECK (method IN ('zscore', 'mad', 'absent')) NOT VALID`);
    await q.query(`ALTER TABLE alert_rules VALIDATE CONSTRAINT alert_rules_method_check`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM alert_rules WHERE method = 'absent'`);
    await q.query(`ALTER TABLE alert_rules DROP CONSTRAINT alert_rules_method_check`);
    await q.query(`
      ALTER TABLE alert_rules ADD CONSTRAINT alert_rules_method_check
        CHECK (method IN ('zscore', 'mad')) NOT VALID`);
    await q.query(`ALTER TABLE alert_rules VALIDATE CONSTRAINT alert_rules_method_check`);
  }
}
