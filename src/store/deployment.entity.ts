import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

@Entity({ name: 'deployments' })
export class DeploymentEntity {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'target_node_count', type: 'integer' })
  targetNodeCount: number;

  @Column({ name: 'max_parallel', type: 'integer', nullable: true })
  maxParallel: number | null;

  @Column({ type: 'integer', default: 1 })
  version: number;

  /** Nodes of each role now; all three null for a deployment without a topology. */
  @Column({ name: 'spine_count', type: 'integer', nullable: true })
  spineCount: number | null;

  @Column({ name: 'leaf_count', type: 'integer', nullable: true })
  leafCount: number | null;

  @Column({ name: 'border_leaf_count', type: 'integer', nullable: true })
  borderLeafCount: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
