import { ApiProperty } from '@nestjs/swagger';
import { METRICS } from '../../domain/telemetry-metrics';
import { SERIES_BUCKETS } from '../telemetry-series';

export class SeriesBucketResponse {
  @ApiProperty({ example: '2026-11-27T09:00:00.000Z', description: 'Start of the bucket' })
  timestamp: string;

  @ApiProperty({ example: 17.84 }) avg: number;

  @ApiProperty({
    example: 71.2,
    description: '95th percentile (continuous, interpolated between samples)',
  })
  p95: number;

  @ApiProperty({ example: 88.9 }) max: number;

  @ApiProperty({ example: 1200, description: 'Samples in the bucket' }) count: number;
}

export class TelemetrySeriesResponse {
  @ApiProperty({ example: 1 }) deployment_id: number;

  @ApiProperty({ example: 17, nullable: true, type: Number, description: 'null: every node' })
  node_id: number | null;

  @ApiProperty({ enum: METRICS, example: 'latency_ms' }) metric: string;

  @ApiProperty({ enum: Object.keys(SERIES_BUCKETS), example: '1m' }) bucket: string;

  @ApiProperty({ example: '2026-11-27T09:00:00.000Z' }) start_time: string;

  @ApiProperty({ example: '2026-11-27T10:00:00.000Z' }) end_time: string;

  @ApiProperty({
    type: [SeriesBucketResponse],
    description: 'Oldest first; buckets without samples are left out',
  })
  buckets: SeriesBucketResponse[];
}
