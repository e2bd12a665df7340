import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-responses';
import { DeploymentIdParam } from '../common/id-param.dto';
import { AnalyticsService } from './analytics.service';
import { BottlenecksQuery } from './dto/bottlenecks.query';
import { BottlenecksResponse, PeerBaselineResponse } from './dto/bottlenecks.response';

@ApiTags('analytics')
@ApiExtraModels(PeerBaselineResponse)
@Controller('deployments/:id/bottlenecks')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get()
  @ApiOperation({
    summary: 'Find the nodes that hold the fabric back',
    description:
      'z-score of each node mean against the baseline of its peer group in the window (latency up, throughput down, error rate up); a node is a bottleneck when any z >= threshold. Worst first. peer_group=role (default) compares spines with spines and leaves with leaves in a fabric; deployment pools every node. In a fabric, flagged leaves carry the flagged spines that explain their latency (likely_caused_by) and spines how many they explain.',
  })
  @ApiResponse({ status: 200, type: BottlenecksResponse })
  @ApiStandardErrors('404')
  async bottlenecks(
    @Param() { id }: DeploymentIdParam,
    @Query() query: BottlenecksQuery,
  ): Promise<BottlenecksResponse> {
    return this.analytics.bottlenecks(id, query);
  }
}
