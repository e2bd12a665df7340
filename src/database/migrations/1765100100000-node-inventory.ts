import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inventory of real devices: a node's variables (a JSON object handed to its driver), and
 * link interface names a client chooses. The management address stays in nodes.ip_address,
 * which the lifecycle fills for generated nodes; the API shows it as management_address.
 * links.a_interface and b_interface were computed from the port numbers; they become plain
 * columns (their values stay) so an inventory's links keep the names the client gave.
 */
export class NodeInventory1765100100000 implements MigrationInterface {
  name = 'NodeInventory1765100100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE nodes ADD COLUMN vars jsonb`);
    await q.query(`
      ALTER TABLE links
        ALTER COLUMN a_interface DROP EXPRESSION,
        ALTER COLUMN b_interface DROP EXPRESSION`);
    await q.query(`
      ALTER TABLE links
        ALTER COLUMN a_interface SET NOT NULL,
        ALTER COLUMN b_interface SET NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE links DROP COLUMN a_interface, DROP COLUMN b_interface`);
    await q.query(`
      ALTER TABLE links
        ADD COLUMN a_interface varchar(32) GENERATED ALWAYS AS ('Ethernet1/' || a_port::text) STORED,
        ADD COLUMN b_interface varchar(32) GENERATED ALWAYS AS ('Ethernet1/' || b_port::text) STORED`);
    await q.query(`ALTER TABLE nodes DROP COLUMN vars`);
  }
}
