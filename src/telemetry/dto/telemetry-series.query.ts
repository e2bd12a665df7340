import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsIntegerId } from '../../common/id-param.dto';
import { IsIsoDateTime } from '../../common/is-iso-date-time.decorator';
import { Metric, METRICS } from '../../domain/telemetry-metrics';
import { SERIES_BUCKETS, SeriesBucket } from '../telemetry-series';

const BUCKETS = Object.keys(SERIES_BUCKETS) as SeriesBucket[];

export class TelemetrySeriesQuery {
  @ApiPropertyOptional({ enum: METRICS, default: 'latency_ms', example: 'latency_ms' })
  @IsOptional()
  @IsIn(METRICS, { message: `metric must be one of ${METRICS.join(', ')}` })
  metric: Metric = 'latency_ms';

  @ApiPropertyOptional({
    enum: BUCKETS,
    default: '1m',
    example: '1m',
    description: 'Bucket width; buckets are aligned to whole multiples of it since the epoch',
  })
  @IsOptional()
  @IsIn(BUCKETS, { message: `bucket must be one of ${BUCKETS.join(', ')}` })
  bucket: SeriesBucket = '1m';

  @ApiPropertyOptional({
    description: 'ISO 8601, inclusive; defaults to one hour before end_time',
    example: '2026-11-27T09:00:00Z',
  })
  @IsOptional()
  @IsIsoDateTime()
  start_time?: string;

  @ApiPropertyOptional({
    description: 'ISO 8601, exclusive; defaults to now',
    example: '2026-11-27T10:00:00+00:00',
  })
  @IsOptional()
  @IsIsoDateTime()
  end_time?: string;

  @ApiPropertyOptional({
    description: "Only this node's samples (the node's integer id)",
    example: 17,
  })
  @IsOptional()
  @IsIntegerId()
  node_id?: number;
}
