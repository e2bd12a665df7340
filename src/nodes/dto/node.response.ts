import { ApiProperty } from '@nestjs/swagger';
import { iso } from '../../common/iso-date';
import { NodeRole } from '../../domain/node-role';
import { NodeState } from '../../domain/node-state';
import { NodeRow } from '../../store/node-row';

export class NodeResponse {
  @ApiProperty({ example: 17, description: 'Integer id, unique across deployments' })
  id: number;

  @ApiProperty({ example: 1 })
  deployment_id: number;

  @ApiProperty({ example: 'node-001', description: 'Name within the deployment' })
  node_id: string;

  @ApiProperty({ enum: NodeState, example: NodeState.RUNNING })
  state: NodeState;

  @ApiProperty({
    enum: NodeRole,
    example: NodeRole.LEAF,
    description:
      'spine, leaf or border-leaf; every node of a deployment without a topology is a leaf',
  })
  role: NodeRole;

  @ApiProperty({ example: 'switch-1-001', description: 'spine-01, leaf-001 ... in a fabric' })
  hostname: string;

  @ApiProperty({
    example: '10.0.0.17',
    nullable: true,
    type: String,
    description: 'The management address (kept for older clients; see management_address)',
  })
  ip_address: string | null;

  @ApiProperty({
    example: '10.0.0.17',
    nullable: true,
    type: String,
    description:
      "Where drivers reach the node: the inventory's address, or for generated nodes 10.x assigned at provisioning",
  })
  management_address: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { asn: 65101 },
    description: "Variables for the node's driver ({} when none were given)",
  })
  vars: Record<string, unknown>;

  @ApiProperty({ example: '2026-11-27T10:00:00.000Z' })
  created_at: string;

  @ApiProperty({ example: '2026-11-27T10:00:15.000Z' })
  updated_at: string;

  @ApiProperty({ example: '2026-11-27T10:00:15.000Z' })
  state_changed_at: string;

  /** The one mapping of a nodes row to the API's node body. */
  static from(node: NodeRow): NodeResponse {
    return {
      id: node.id,
      deployment_id: node.deployment_id,
      node_id: node.node_id,
      state: node.state,
      role: node.role,
      hostname: node.hostname,
      ip_address: node.ip_address,
      management_address: node.ip_address,
      vars: node.vars ?? {},
      created_at: iso(node.created_at)!,
      updated_at: iso(node.updated_at)!,
      state_changed_at: iso(node.state_changed_at)!,
    };
  }
}

export class NodeListResponse {
  @ApiProperty({ type: [NodeResponse] })
  nodes: NodeResponse[];

  @ApiProperty({
    example: 50,
    description: 'How many nodes match the filter, whatever skip and limit',
  })
  total: number;
}

/** One node on its own: the list shape plus how many times it was retried. */
export class NodeDetailResponse extends NodeResponse {
  @ApiProperty({ example: 0, description: 'Retries so far (0 for the first rollout)' })
  attempt: number;

  static detail(node: NodeRow): NodeDetailResponse {
    return { ...NodeResponse.from(node), attempt: node.attempt };
  }
}

export class AddedNodesResponse {
  @ApiProperty({ type: [NodeResponse] })
  nodes: NodeResponse[];

  @ApiProperty({ example: 5, description: 'How many nodes were added' })
  total: number;

  @ApiProperty({ example: 55, description: "The deployment's target_node_count now" })
  target_node_count: number;
}
