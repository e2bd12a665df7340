import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'events' })
export class EventEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT', type: 'bigint' })
  id: number;

  @Column({ name: 'deployment_id', type: 'integer' })
  deploymentId: number;

  @Column({ name: 'node_id', type: 'integer', nullable: true })
  nodeId: number | null;

  @Column({ name: 'node_identifier', type: 'varchar', length: 32, nullable: true })
  nodeIdentifier: string | null;

  @Column({ type: 'varchar', length: 64 })
  type: string;

  @Column({ name: 'from_state', type: 'varchar', length: 16, nullable: true })
  fromState: string | null;

  @Column({ name: 'to_state', type: 'varchar', length: 16, nullable: true })
  toState: string | null;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ type: 'jsonb', default: {} })
  metadata: Record<string, unknown>;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
