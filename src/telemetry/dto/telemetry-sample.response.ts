import { ApiProperty } from '@nestjs/swagger';

export class TelemetrySampleResponse {
  @ApiProperty({ example: 1042 })
  id: number;

  @ApiProperty({ example: 17, description: "The node's integer id" })
  node_id: number;

  @ApiProperty({ example: 1 })
  deployment_id: number;

  @ApiProperty({ example: '2026-11-27T10:00:05.000Z' })
  timestamp: string;

  @ApiProperty({
    example: 9.73,
    nullable: true,
    type: Number,
    description: 'Milliseconds, double precision; null when the sample lacks it (never read as 0)',
  })
  latency_ms: number | null;

  @ApiProperty({
    example: 9.41,
    nullable: true,
    type: Number,
    description: 'Gbit/s, double precision; null when the sample lacks it (never read as 0)',
  })
  throughput_gbps: number | null;

  @ApiProperty({
    example: 0.12,
    nullable: true,
    type: Number,
    description:
      'Percent of packets in error, 0..100; null when the sample lacks it (never read as 0)',
  })
  error_rate: number | null;
}

export class TelemetryListResponse {
  @ApiProperty({ type: [TelemetrySampleResponse], description: 'Newest first' })
  samples: TelemetrySampleResponse[];

  @ApiProperty({
    example: 100,
    description: 'How many samples this response holds (the seed behaviour)',
  })
  total: number;
}
