import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-responses';
import { DeploymentIdParam } from '../common/id-param.dto';
import { DeploymentsService } from '../deployments/deployments.service';
import { PushTelemetryDto, PushTelemetryResponse } from './dto/push-telemetry.dto';
import { QueryTelemetryQuery } from './dto/query-telemetry.query';
import { TelemetryListResponse } from './dto/telemetry-sample.response';
import { TelemetryService } from './telemetry.service';

@ApiTags('telemetry')
@Controller('deployments/:id/telemetry')
export class TelemetryController {
  constructor(
    private readonly deployments: DeploymentsService,
    private readonly telemetry: TelemetryService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Query telemetry samples, newest first',
    description:
      'Filters: node_id (integer id), start_time and end_time (ISO 8601, inclusive), limit 1..1000 (default 100).',
  })
  @ApiResponse({ status: 200, type: TelemetryListResponse })
  @ApiStandardErrors('404')
  async query(
    @Param() { id }: DeploymentIdParam,
    @Query() query: QueryTelemetryQuery,
  ): Promise<TelemetryListResponse> {
    await this.deployments.findOrFail(id);
    const samples = await this.telemetry.query(id, query);
    return { samples, total: samples.length };
  }

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Push samples from devices',
    description:
      'Up to 10,000 samples per request. node_id must be a node of this deployment (any state); timestamp defaults to now and must be within retention and at most 1 h ahead; latency_ms and throughput_gbps >= 0, error_rate 0..100, all finite. One bad sample rejects the batch (422 naming its index); 202 means stored.',
  })
  @ApiResponse({ status: 202, type: PushTelemetryResponse })
  @ApiStandardErrors('400', '404', '413')
  async push(
    @Param() { id }: DeploymentIdParam,
    @Body() body: PushTelemetryDto,
  ): Promise<PushTelemetryResponse> {
    await this.deployments.findOrFail(id);
    return { accepted: await this.telemetry.push(id, body.samples) };
  }
}
