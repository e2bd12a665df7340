import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-responses';
import { DeploymentIdParam } from '../common/id-param.dto';
import { ImpactResponse, LinkListResponse, ListLinksQuery } from './dto/links.dto';
import { NodeParams } from './dto/node-params.dto';
import { TopologyService } from './topology.service';

@ApiTags('topology')
@Controller('deployments/:id')
export class TopologyController {
  constructor(private readonly topology: TopologyService) {}

  @Get('links')
  @ApiOperation({
    summary: "List a fabric's links",
    description:
      'Every leaf and border leaf has a link to every spine; side a is the spine, side b the leaf. Interface names are unique per node. A deployment without a topology has none.',
  })
  @ApiResponse({ status: 200, type: LinkListResponse })
  @ApiStandardErrors('404')
  async links(
    @Param() { id }: DeploymentIdParam,
    @Query() query: ListLinksQuery,
  ): Promise<LinkListResponse> {
    return this.topology.listLinks(id, query);
  }

  @Get('nodes/:node_id/impact')
  @ApiOperation({
    summary: 'Blast radius of a node',
    description:
      'The nodes that lose at least one uplink if this node goes, and how much of its uplink capacity each loses: every leaf and border leaf of a spine, 100/S percent each in a fabric of S spines; a leaf has no dependents.',
  })
  @ApiResponse({ status: 200, type: ImpactResponse })
  @ApiStandardErrors('404')
  async impact(@Param() params: NodeParams): Promise<ImpactResponse> {
    return this.topology.impact(params.id, params.node_id);
  }
}
