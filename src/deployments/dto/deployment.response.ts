import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { iso } from '../../common/iso-date';
import { NodeState } from '../../domain/node-state';
import { DeploymentStatus } from '../../domain/deployment-status';
import { DeploymentRow } from '../../store/deployment-row';
import { RolloutResponse } from '../../rollouts/rollout.response';
import { TopologyResponse } from './topology.dto';

export class DeploymentResponse {
  @ApiProperty({ example: 1 })
  id: number;

  @ApiProperty({ example: 'dc1-leaf-spine' })
  name: string;

  @ApiProperty({ example: 'Leaf-spine fabric for hall A', nullable: true, type: String })
  description: string | null;

  @ApiProperty({ example: 50 })
  target_node_count: number;

  @ApiPropertyOptional({
    example: 10,
    nullable: true,
    type: Number,
    description: 'Rollout parallelism limit, null = none',
  })
  max_parallel: number | null;

  @ApiProperty({ example: '2026-11-27T10:00:00.000Z' })
  created_at: string;

  @ApiProperty({ example: '2026-11-27T10:00:00.000Z' })
  updated_at: string;

  @ApiPropertyOptional({
    type: TopologyResponse,
    description:
      'Only for a deployment created with a topology: its nodes per role now (adds and deletes included)',
  })
  topology?: TopologyResponse;

  /** The one mapping of a deployments row to the API's summary body. */
  static from(row: DeploymentRow): DeploymentResponse {
    const response: DeploymentResponse = {
      id: row.id,
      name: row.name,
      description: row.description,
      target_node_count: row.target_node_count,
      max_parallel: row.max_parallel,
      created_at: iso(row.created_at)!,
      updated_at: iso(row.updated_at)!,
    };
    if (row.spine_count !== null) {
      response.topology = {
        spines: row.spine_count,
        leaves: row.leaf_count ?? 0,
        border_leaves: row.border_leaf_count ?? 0,
      };
    }
    return response;
  }
}

export class StateCounts implements Record<NodeState, number> {
  @ApiProperty({ example: 0 }) PENDING: number;
  @ApiProperty({ example: 0 }) PROVISIONING: number;
  @ApiProperty({ example: 0 }) CONFIGURING: number;
  @ApiProperty({ example: 48 }) RUNNING: number;
  @ApiProperty({ example: 2 }) FAILED: number;
}

export class DeploymentDetailResponse extends DeploymentResponse {
  @ApiProperty({ example: 50, description: 'Nodes that exist now' })
  current_node_count: number;

  @ApiProperty({ type: StateCounts, description: 'Nodes per state, every state listed' })
  state_counts: StateCounts;

  @ApiProperty({
    enum: DeploymentStatus,
    example: DeploymentStatus.DEGRADED,
    description:
      'empty: no nodes; pending: no node started; in_progress: nodes still rolling out; paused, halted, aborted: the rollout is paused, halted by its failure budget or gate, or aborted, while nodes still wait PENDING (nodes in flight finish meanwhile; resume, retry or remove to go on); running: every node RUNNING; degraded: done, some FAILED; failed: every node FAILED',
  })
  status: DeploymentStatus;

  @ApiProperty({
    example: 100,
    description: 'Share of nodes in a terminal state (RUNNING or FAILED), 0..100',
  })
  progress_percent: number;

  @ApiProperty({
    example: '2026-11-27T10:00:01.000Z',
    nullable: true,
    type: String,
    description: 'When the first node left PENDING',
  })
  started_at: string | null;

  @ApiProperty({
    example: '2026-11-27T10:00:20.000Z',
    nullable: true,
    type: String,
    description: 'When the last node reached RUNNING or FAILED; null while rolling out',
  })
  finished_at: string | null;

  @ApiProperty({
    type: RolloutResponse,
    nullable: true,
    description: 'The rollout under a strategy; null for a deployment created without one',
  })
  rollout: RolloutResponse | null;
}
