import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray } from 'class-validator';

export const MAX_PUSH_SAMPLES = 10000;

/** Documents one pushed sample; the batch itself is checked by validatePushedSamples. */
export class PushedSampleDto {
  @ApiProperty({
    example: 17,
    description: "The node's integer id; the node must belong to this deployment (any state)",
  })
  node_id: number;

  @ApiPropertyOptional({
    example: '2026-11-27T10:00:05Z',
    description: 'ISO 8601 with any offset; defaults to now',
  })
  timestamp?: string;

  @ApiProperty({ example: 9.73, minimum: 0, description: 'Finite, >= 0' })
  latency_ms: number;

  @ApiProperty({ example: 9.41, minimum: 0, description: 'Finite, >= 0' })
  throughput_gbps: number;

  @ApiProperty({ example: 0.12, minimum: 0, maximum: 100, description: 'A percentage, 0..100' })
  error_rate: number;
}

export class PushTelemetryDto {
  @ApiProperty({ type: [PushedSampleDto], minItems: 1, maxItems: MAX_PUSH_SAMPLES })
  @IsArray()
  samples: unknown[];
}

export class PushTelemetryResponse {
  @ApiProperty({ example: 1, description: 'Samples stored' })
  accepted: number;
}
