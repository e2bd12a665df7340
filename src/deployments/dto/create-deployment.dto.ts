import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { RolloutStrategyDto } from './rollout-strategy.dto';

export class CreateDeploymentDto {
  @ApiProperty({
    description: 'Name of the fabric',
    example: 'dc1-leaf-spine',
    minLength: 1,
    maxLength: 255,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  name: string;

  @ApiPropertyOptional({
    description: 'Free text',
    example: 'Leaf-spine fabric for hall A',
    nullable: true,
  })
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  description?: string | null;

  @ApiProperty({
    description: 'How many switches to deploy (1 to MAX_NODES_PER_DEPLOYMENT, default 10,000)',
    example: 50,
    minimum: 1,
    maximum: 10000,
  })
  @IsInt()
  @Min(1)
  target_node_count: number;

  @ApiPropertyOptional({
    description:
      'Rollout control: how many nodes may be PROVISIONING or CONFIGURING at once; the rest wait in PENDING. Omit for no limit.',
    example: 10,
    minimum: 1,
    nullable: true,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  max_parallel?: number | null;

  @ApiPropertyOptional({
    type: RolloutStrategyDto,
    description:
      'Roll the nodes out in waves: a canary, then waves, halting on a failure budget or a telemetry gate. Without it every node is admitted at once (within max_parallel).',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RolloutStrategyDto)
  strategy?: RolloutStrategyDto;
}
