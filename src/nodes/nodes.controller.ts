import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-responses';
import { DeploymentIdParam } from '../common/id-param.dto';
import { DeploymentsService } from '../deployments/deployments.service';
import { ListNodesQuery } from './dto/list-nodes.query';
import { NodeListResponse, NodeResponse } from './dto/node.response';
import { NodesService } from './nodes.service';

@ApiTags('nodes')
@Controller('deployments/:id/nodes')
export class NodesController {
  constructor(
    private readonly deployments: DeploymentsService,
    private readonly nodes: NodesService,
  ) {}

  @Get()
  @ApiOperation({
    summary: "List a deployment's nodes",
    description: 'Every node in node order unless `limit` is given; filter by `state`.',
  })
  @ApiResponse({ status: 200, type: NodeListResponse })
  @ApiStandardErrors('404')
  async list(
    @Param() { id }: DeploymentIdParam,
    @Query() query: ListNodesQuery,
  ): Promise<NodeListResponse> {
    await this.deployments.findOrFail(id);
    const { nodes, total } = await this.nodes.list(id, query);
    return { nodes: nodes.map((n) => NodeResponse.from(n)), total };
  }
}
