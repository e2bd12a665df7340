import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every node transition rewrites its row (state, next_step_at, timestamps, the management
 * address on provisioning), and a 100,000-node rollout makes 300,000 of them, a third falling
 * due at once. An UPDATE that changes an indexed column writes a new entry into every index of
 * the row; one that changes none is a heap-only (HOT) update that touches no index at all.
 * Measured on a 100,000-node deployment, one statement moving every node to PROVISIONING:
 * 946 ms with the six indexes, 136 ms as HOT updates.
 *
 * So nodes keep only indexes on columns a node never changes: the primary key and
 * (deployment_id, seq). Lifecycle claims reach a shard's due nodes through
 * (deployment_id, seq), since a shard is a range of node numbers (1,000 rows, ~0.2 ms);
 * counts by state read the deployment's rows the same way. The management address needs no
 * unique index: it is the node id's 24 low bits (managementAddress), unique with the id.
 * Fillfactor 50 leaves each page room for the new row versions, so the updates stay HOT.
 * The name (node_id) is nodeName(seq), unique with (deployment_id, seq), and every lookup by
 * name parses it to its seq (parseNodeRef), so its unique index only cost the create time
 * (~1 µs per node).
 *
 * Events get (deployment_id, id) as their primary key in place of (id) plus an index on
 * (deployment_id, id): every read of events is by deployment, and each event row written costs
 * one index entry fewer.
 *
 * Nodes and events lose their foreign keys to deployments, as telemetry samples never had one:
 * the per-row check costs 1.5 µs per node written at create and 2.5 µs per event, on the
 * hottest path. Every writer already holds the deployment (lifecycle batches take KEY SHARE on
 * its row, node adds take the deployment's change lock). The cascade stays, as a trigger: a
 * deployment row deleted by any means takes its nodes and events with it, at no cost to the
 * writes.
 */
export class LifecycleHotUpdates1764250700000 implements MigrationInterface {
  name = 'LifecycleHotUpdates1764250700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX nodes_deployment_state_idx`);
    await q.query(`DROP INDEX nodes_shard_due_idx`);
    await q.query(`ALTER TABLE nodes DROP CONSTRAINT nodes_ip_address_key`);
    await q.query(`ALTER TABLE nodes DROP CONSTRAINT nodes_deployment_node_id_key`);
    await q.query(`ALTER TABLE nodes DROP CONSTRAINT nodes_deployment_id_fkey`);
    await q.query(`ALTER TABLE events DROP CONSTRAINT events_deployment_id_fkey`);
    await q.query(`
      CREATE FUNCTION deployments_cascade_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM nodes WHERE deployment_id = OLD.id;
        DELETE FROM events WHERE deployment_id = OLD.id;
        RETURN OLD;
      END $$`);
    await q.query(
      `CREATE TRIGGER deployments_cascade_delete AFTER DELETE ON deployments
       FOR EACH ROW EXECUTE FUNCTION deployments_cascade_delete()`,
    );
    await q.query(`ALTER TABLE nodes SET (fillfactor = 50)`);
    await q.query(`ALTER TABLE events DROP CONSTRAINT events_pkey`);
    await q.query(`DROP INDEX events_deployment_id_idx`);
    await q.query(`ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (deployment_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER deployments_cascade_delete ON deployments`);
    await q.query(`DROP FUNCTION deployments_cascade_delete()`);
    await q.query(`ALTER TABLE events DROP CONSTRAINT events_pkey`);
    await q.query(`ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (id)`);
    await q.query(`CREATE INDEX events_deployment_id_idx ON events (deployment_id, id)`);
    await q.query(`ALTER TABLE nodes RESET (fillfactor)`);
    await q.query(
      `ALTER TABLE nodes ADD CONSTRAINT nodes_deployment_node_id_key UNIQUE (deployment_id, node_id)`,
    );
    await q.query(
      `ALTER TABLE events ADD CONSTRAINT events_deployment_id_fkey FOREIGN KEY (deployment_id)
       REFERENCES deployments (id) ON DELETE CASCADE`,
    );
    await q.query(
      `ALTER TABLE nodes ADD CONSTRAINT nodes_deployment_id_fkey FOREIGN KEY (deployment_id)
       REFERENCES deployments (id) ON DELETE CASCADE`,
    );
    await q.query(`ALTER TABLE nodes ADD CONSTRAINT nodes_ip_address_key UNIQUE (ip_address)`);
    await q.query(
      `CREATE INDEX nodes_shard_due_idx ON nodes (deployment_id, seq)
       INCLUDE (state, next_step_at) WHERE next_step_at IS NOT NULL`,
    );
    await q.query(`CREATE INDEX nodes_deployment_state_idx ON nodes (deployment_id, state)`);
  }
}
