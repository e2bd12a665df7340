import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiStandardErrors } from '../common/api-responses';
import { DeploymentIdParam } from '../common/id-param.dto';
import { PushTelemetryDto, PushTelemetryResponse } from './dto/push-telemetry.dto';
import { QueryTelemetryQuery } from './dto/query-telemetry.query';
import { TelemetryListResponse } from './dto/telemetry-sample.response';
import { TelemetrySeriesQuery } from './dto/telemetry-series.query';
import { TelemetrySeriesResponse } from './dto/telemetry-series.response';
import { MAX_SERIES_BUCKETS } from './telemetry-series';
import { TelemetryService } from './telemetry.service';

@ApiTags('telemetry')
@Controller('deployments/:id/telemetry')
export class TelemetryController {
  constructor(private readonly telemetry: TelemetryService) {}

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
    const samples = await this.telemetry.list(id, query);
    return { samples, total: samples.length };
  }

  @Get('series')
  @ApiOperation({
    summary: 'One metric in time buckets (avg, p95, max, count), for charts',
    description: `metric: latency_ms (default), throughput_gbps or error_rate; bucket: 10s, 1m (default), 5m, 15m, 1h or 1d, aligned to the epoch; start_time inclusive (default: one hour before end_time), end_time exclusive (default: now); node_id narrows to one node. At most ${MAX_SERIES_BUCKETS} buckets per request (422 otherwise); buckets without samples are left out. Buckets of 1m or more are read from per-minute rollups: avg, max and count are exact, p95 is null (percentiles cannot be composed from rollups); only minutes that start_time or end_time cut are read from raw samples. 10s buckets are read from raw samples and carry p95. A request that would read more than MAX_SERIES_RAW_SAMPLES raw samples (default 2,000,000) is 422 naming what to ask instead (a wider bucket, a shorter range or one node).`,
  })
  @ApiResponse({
    status: 200,
    type: TelemetrySeriesResponse,
    example: {
      deployment_id: 1,
      node_id: null,
      metric: 'latency_ms',
      bucket: '1m',
      start_time: '2026-11-27T09:58:00.000Z',
      end_time: '2026-11-27T10:00:00.000Z',
      buckets: [
        { timestamp: '2026-11-27T09:58:00.000Z', avg: 21.7, p95: null, max: 88.2, count: 600 },
        { timestamp: '2026-11-27T09:59:00.000Z', avg: 21.9, p95: null, max: 89.0, count: 600 },
      ],
    },
  })
  @ApiStandardErrors('404')
  async series(
    @Param() { id }: DeploymentIdParam,
    @Query() query: TelemetrySeriesQuery,
  ): Promise<TelemetrySeriesResponse> {
    return this.telemetry.series(id, query);
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
    return { accepted: await this.telemetry.push(id, body.samples) };
  }
}
