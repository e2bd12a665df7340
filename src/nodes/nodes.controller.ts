import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-responses';
import { Audit, AuditContext } from '../common/audit-context';
import { ApiIdempotencyKey } from '../common/idempotency.decorator';
import { DeploymentIdParam } from '../common/id-param.dto';
import { AddNodesDto } from './dto/add-nodes.dto';
import { ListNodesQuery } from './dto/list-nodes.query';
import { NodeParams } from './dto/node-params.dto';
import {
  AddedNodesResponse,
  NodeDetailResponse,
  NodeListResponse,
  NodeResponse,
} from './dto/node.response';
import { UpdateNodeDto } from './dto/update-node.dto';
import { NodesService } from './nodes.service';

@ApiTags('nodes')
@Controller('deployments/:id/nodes')
export class NodesController {
  constructor(private readonly nodes: NodesService) {}

  @Get()
  @ApiOperation({
    summary: "List a deployment's nodes",
    description: 'Every node in node order unless `limit` is given; filter by `state` and `role`.',
  })
  @ApiResponse({ status: 200, type: NodeListResponse })
  @ApiStandardErrors('404')
  async list(
    @Param() { id }: DeploymentIdParam,
    @Query() query: ListNodesQuery,
  ): Promise<NodeListResponse> {
    const { nodes, total } = await this.nodes.list(id, query);
    return { nodes: nodes.map((n) => NodeResponse.from(n)), total };
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Add nodes (grow the fabric)',
    description:
      'Either `count` (and `role`) generated nodes or an inventory (`nodes`, the form of POST /deployments: host names and addresses unique in the deployment). New nodes are numbered after the highest existing node and enter the lifecycle at PENDING, also in the middle of a rollout; target_node_count follows. In a fabric, `role` says what they are: new leaves and border leaves get a link to every spine, new spines a link to every leaf and border leaf. 422 beyond MAX_NODES_PER_DEPLOYMENT, for a spine or border leaf in a deployment without a topology, and beyond 64 spines.',
  })
  @ApiIdempotencyKey()
  @ApiResponse({ status: 201, type: AddedNodesResponse })
  @ApiStandardErrors('400', '404')
  async add(
    @Param() { id }: DeploymentIdParam,
    @Body() dto: AddNodesDto,
    @Audit() audit: AuditContext,
  ): Promise<AddedNodesResponse> {
    const request = dto.nodes ? { nodes: dto.nodes } : { count: dto.count!, role: dto.role };
    const { nodes, targetNodeCount } = await this.nodes.grow(id, request, audit);
    return {
      nodes: nodes.map((n) => NodeResponse.from(n)),
      total: nodes.length,
      target_node_count: targetNodeCount,
    };
  }

  @Get(':node_id')
  @ApiOperation({ summary: 'Get one node by integer id or name (node-017)' })
  @ApiResponse({ status: 200, type: NodeDetailResponse })
  @ApiStandardErrors('404')
  async get(@Param() params: NodeParams): Promise<NodeDetailResponse> {
    return NodeDetailResponse.detail(await this.nodes.find(params.id, params.node_id));
  }

  @Patch(':node_id')
  @ApiOperation({
    summary: "Change a node's hostname, management_address or vars",
    description:
      'Give at least one; vars null clears them. A host name or address another node of the deployment has is 422.',
  })
  @ApiResponse({ status: 200, type: NodeDetailResponse })
  @ApiStandardErrors('400', '404')
  async update(
    @Param() params: NodeParams,
    @Body() dto: UpdateNodeDto,
    @Audit() audit: AuditContext,
  ): Promise<NodeDetailResponse> {
    const node = await this.nodes.updateNode(params.id, params.node_id, dto, audit);
    return NodeDetailResponse.detail(node);
  }

  @Delete(':node_id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Decommission a node',
    description:
      'The node leaves the lifecycle and telemetry at once, its samples are removed and target_node_count follows; a NODE_DELETED event keeps the record.',
  })
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ApiStandardErrors('404')
  async remove(@Param() params: NodeParams, @Audit() audit: AuditContext): Promise<void> {
    await this.nodes.remove(params.id, params.node_id, audit);
  }

  @Post(':node_id/retry')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Retry a FAILED node',
    description:
      'Marks the node for retry (attempt + 1); the workers move it to PROVISIONING through the normal schedule, and it ends RUNNING or FAILED again. 409 for a node in any other state or already marked.',
  })
  @ApiIdempotencyKey()
  @ApiResponse({ status: 202, type: NodeDetailResponse })
  @ApiStandardErrors('404', '409')
  async retry(
    @Param() params: NodeParams,
    @Audit() audit: AuditContext,
  ): Promise<NodeDetailResponse> {
    const node = await this.nodes.retry(params.id, params.node_id, audit);
    return NodeDetailResponse.detail(node);
  }
}
