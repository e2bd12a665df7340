import { ApiProperty } from '@nestjs/swagger';
import { RolloutStatus, RolloutStrategy } from '../domain/rollout';

export class RolloutResponse {
  @ApiProperty({ enum: RolloutStatus, example: RolloutStatus.RUNNING })
  status: RolloutStatus;

  @ApiProperty({ example: 1, description: 'Current wave; 0 is the canary when there is one' })
  wave: number;

  @ApiProperty({ example: 11 })
  waves_total: number;

  @ApiProperty({
    example: 51,
    description: 'Nodes of the waves started so far (the current one included)',
  })
  admitted: number;

  @ApiProperty({ example: 3.92, description: 'FAILED share of the admitted nodes, percent' })
  failed_percent: number;

  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description: 'Which figure crossed which limit, when halted',
  })
  halted_reason: string | null;

  @ApiProperty({
    example: {
      canary: 1,
      wave_size: 50,
      wave_percent: null,
      max_failure_percent: 10,
      wave_pause_seconds: 0,
      order: 'node',
      gate: { soak_seconds: 30, max_bottleneck_percent: 10 },
    },
    description: 'The strategy as created, every field filled in',
  })
  strategy: RolloutStrategy;
}
