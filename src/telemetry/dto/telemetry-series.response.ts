import { ApiProperty } from '@nestjs/swagger';
import { METRICS } from '../../domain/telemetry-metrics';
import { SERIES_BUCKETS } from '../telemetry-series';

export class SeriesBucketResponse {
  @ApiProperty({ example: '2026-11-27T09:00:00.000Z', description: 'Start of the bucket' })
  timestamp: string;

  @ApiProperty({ example: 17.84, description: 'Mean of the samples in the bucket' }) avg: number;

  @ApiProperty({
    example: null,
    nullable: true,
    type: Number,
    description:
      '95th percentile (continuous, interpolated between samples) for 10s buckets; null for buckets of 1m or more, which are read from per-minute rollups (a percentile cannot be composed from them: ask for 10s buckets to get it)',
  })
  p95: number | null;

  @ApiProperty({ example: 88.9, description: 'Largest sample in the bucket' }) max: number;

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
