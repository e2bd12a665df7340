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

  @ApiProperty({ example: 9.73, description: 'Milliseconds, double precision' })
  latency_ms: number;

  @ApiProperty({ example: 9.41, description: 'Gbit/s, double precision' })
  throughput_gbps: number;

  @ApiProperty({ example: 0.12, description: 'Percent of packets in error, 0..100' })
  error_rate: number;
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
