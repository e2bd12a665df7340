import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { NodeRole } from '../domain/node-role';
import { NodeState } from '../domain/node-state';

@Entity({ name: 'nodes' })
export class NodeEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  @Column({ name: 'deployment_id', type: 'integer' })
  deploymentId: number;

  /** The node's number within its deployment: 8 for node-008. */
  @Column({ type: 'integer' })
  seq: number;

  @Column({ name: 'node_id', type: 'varchar', length: 32 })
  nodeId: string;

  @Column({ type: 'varchar', length: 16 })
  state: NodeState;

  /** Spine, leaf or border leaf; never changes. Every node of a flat deployment is a leaf. */
  @Column({ type: 'varchar', length: 16, default: NodeRole.LEAF })
  role: NodeRole;

  @Column({ type: 'varchar', length: 255 })
  hostname: string;

  @Column({ name: 'ip_address', type: 'varchar', length: 45, nullable: true })
  ipAddress: string | null;

  @Column({ type: 'integer', default: 0 })
  attempt: number;

  @Column({ name: 'next_step_at', type: 'timestamptz', nullable: true })
  nextStepAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'state_changed_at', type: 'timestamptz' })
  stateChangedAt: Date;
}
