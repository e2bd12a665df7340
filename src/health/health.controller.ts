import { Controller, Get, HttpException, HttpStatus } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOperation,
  ApiProperty,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Public } from '../common/public.decorator';
import { TelemetryStats } from '../telemetry/telemetry-stats';
import { HealthReport, HealthService, QueueDepths } from './health.service';

class QueueDepthsResponse implements QueueDepths {
  @ApiProperty({ example: 0 }) waiting: number;
  @ApiProperty({ example: 1 }) active: number;
  @ApiProperty({ example: 12 }) delayed: number;
  @ApiProperty({ example: 0 }) failed: number;
}

class TelemetryStatsResponse implements TelemetryStats {
  @ApiProperty({ example: 720, description: 'Collection ticks that fanned out into shard jobs' })
  ticks: number;
  @ApiProperty({
    example: 0,
    description: "Ticks skipped because the previous tick's shards were still unfinished",
  })
  skipped_ticks: number;
  @ApiProperty({ example: '2026-11-27T10:00:05.000Z', nullable: true, type: String })
  last_tick_at: string | null;
  @ApiProperty({ example: 2 }) last_tick_shards: number;
  @ApiProperty({ example: 50, description: 'RUNNING nodes the last tick collected from' })
  last_tick_nodes: number;
  @ApiProperty({
    example: '2026-11-27T10:00:05.000Z',
    nullable: true,
    type: String,
    description: 'The last tick whose every shard is stored',
  })
  last_completed_tick_at: string | null;
  @ApiProperty({
    example: 38,
    nullable: true,
    type: Number,
    description: "From that tick's scheduled time to its last shard stored",
  })
  last_tick_duration_ms: number | null;
  @ApiProperty({ example: 36000, description: 'Samples stored by scheduled collection' })
  samples_collected: number;
  @ApiProperty({
    example: 0,
    description:
      'Shard collections whose source could not be read (a Prometheus server unreachable or failing)',
  })
  failed_source_ticks: number;
  @ApiProperty({
    nullable: true,
    example: {
      at: '2026-11-27T10:00:05.000Z',
      deployment_id: 3,
      source: 'prometheus',
      error: 'Prometheus at http://prometheus:9090 is unreachable: connect ECONNREFUSED',
    },
    description: 'The last failed source collection, null before one',
  })
  last_source_failure: { at: string; deployment_id: number; source: string; error: string } | null;
  @ApiProperty({
    example: 0,
    description: 'Series a Prometheus source returned that matched no node of its deployment',
  })
  unmatched_series: number;
}

class HealthResponse implements HealthReport {
  @ApiProperty({ enum: ['healthy', 'degraded'], example: 'healthy' }) status:
    'healthy' | 'degraded';
  @ApiProperty({ example: '2026-11-27T10:00:00.000Z' }) timestamp: string;
  @ApiProperty({ enum: ['healthy', 'unhealthy'], example: 'healthy' }) database:
    'healthy' | 'unhealthy';
  @ApiProperty({ enum: ['healthy', 'unhealthy'], example: 'healthy' }) redis:
    'healthy' | 'unhealthy';
  @ApiProperty({
    example: 2,
    description: 'Deployments with at least one node that has not FAILED',
  })
  active_deployments: number;
  @ApiProperty({
    example: true,
    description: 'At least one worker process is attached to the queues',
  })
  active_workers: boolean;
  @ApiProperty({ example: 3, description: 'Worker processes attached' }) workers: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(QueueDepthsResponse) },
    example: { lifecycle: { waiting: 0, active: 1, delayed: 12, failed: 0 } },
  })
  queues: Record<string, QueueDepthsResponse>;
  @ApiProperty({
    type: TelemetryStatsResponse,
    nullable: true,
    description: 'Scheduled telemetry collection; null while Redis is unavailable',
  })
  telemetry: TelemetryStatsResponse | null;
}

@ApiTags('health')
@ApiExtraModels(QueueDepthsResponse)
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({
    summary: 'Service health: database, Redis, workers and queue depths (always 200)',
  })
  @ApiResponse({ status: 200, type: HealthResponse })
  async get(): Promise<HealthReport> {
    return this.health.report();
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiResponse({ status: 200, schema: { example: { status: 'ok' } } })
  live(): { status: string } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: 200 when PostgreSQL and Redis answer, else 503' })
  @ApiResponse({ status: 200, type: HealthResponse })
  @ApiResponse({ status: 503, description: 'PostgreSQL or Redis is unavailable' })
  async ready(): Promise<HealthReport> {
    const report = await this.health.report();
    if (report.status !== 'healthy') {
      const down = [
        report.database !== 'healthy' && 'PostgreSQL',
        report.redis !== 'healthy' && 'Redis',
      ].filter(Boolean);
      throw new HttpException(
        `Not ready: ${down.join(' and ')} unavailable`,
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    }
    return report;
  }
}
