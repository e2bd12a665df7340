import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-responses';
import { DeploymentIdParam } from '../common/id-param.dto';
import { NodeParams } from '../nodes/dto/node-params.dto';
import {
  AnomaliesQuery,
  CorrelationsQuery,
  NodeCorrelationsQuery,
  TrendsQuery,
} from './dto/trends.query';
import {
  AnomaliesResponse,
  CorrelationsResponse,
  NodeCorrelationsResponse,
  TrendsResponse,
} from './dto/trends.response';
import { TrendsService } from './trends.service';

@ApiTags('trends')
@Controller('deployments/:id')
export class TrendsController {
  constructor(private readonly trends: TrendsService) {}

  @Get('trends')
  @ApiOperation({
    summary: 'Per node: the least-squares trend of a metric and when it reaches a threshold',
    description:
      "Exact regr_slope / regr_intercept / regr_r2 over each node's samples in the window, time in minutes from now; predicted at now + horizon; time_to_threshold_minutes when threshold is given. Ordered by time to threshold, then |t|.",
  })
  @ApiResponse({ status: 200, type: TrendsResponse })
  @ApiStandardErrors('404')
  async list(@Param() { id }: DeploymentIdParam, @Query() q: TrendsQuery): Promise<TrendsResponse> {
    return this.trends.trends(id, q);
  }

  @Get('anomalies')
  @ApiOperation({
    summary: 'Per node: the window against the same window on each past day',
    description:
      "Each node's mean over the window against the median and MAD of its means over the same window at the same time of day on each of the past baseline_days days. Nodes with fewer than 3 such days are not scored.",
  })
  @ApiResponse({ status: 200, type: AnomaliesResponse })
  @ApiStandardErrors('404')
  async anomalies(
    @Param() { id }: DeploymentIdParam,
    @Query() q: AnomaliesQuery,
  ): Promise<AnomaliesResponse> {
    return this.trends.anomalies(id, q);
  }

  @Get('correlations')
  @ApiOperation({
    summary: "Per node: Pearson's r of two metrics over its samples in the window",
  })
  @ApiResponse({ status: 200, type: CorrelationsResponse })
  @ApiStandardErrors('404')
  async correlations(
    @Param() { id }: DeploymentIdParam,
    @Query() q: CorrelationsQuery,
  ): Promise<CorrelationsResponse> {
    return this.trends.correlations(id, q);
  }

  @Get('nodes/:node_id/correlations')
  @ApiOperation({
    summary: "r between a node's per-minute mean latency and each node it is linked to",
    description: "A leaf's spines, or a spine's leaves, over the minutes both have samples.",
  })
  @ApiResponse({ status: 200, type: NodeCorrelationsResponse })
  @ApiStandardErrors('404')
  async nodeCorrelations(
    @Param() { id, node_id }: NodeParams,
    @Query() q: NodeCorrelationsQuery,
  ): Promise<NodeCorrelationsResponse> {
    return this.trends.nodeCorrelations(id, node_id, q);
  }
}
