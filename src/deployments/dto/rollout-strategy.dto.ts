import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

export class RolloutGateDto {
  @ApiProperty({
    description: 'Seconds to wait after every node of a wave is RUNNING or FAILED',
    example: 30,
    minimum: 0,
    maximum: 3600,
  })
  @IsInt()
  @Min(0)
  @Max(3600)
  soak_seconds: number;

  @ApiProperty({
    description:
      "Halt when more than this share of the wave's nodes is flagged by the bottleneck detector over the soak",
    example: 10,
    minimum: 0,
    maximum: 100,
  })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  max_bottleneck_percent: number;
}

/** How the nodes are rolled out: all fields optional; without it, every node at once. */
export class RolloutStrategyDto {
  @ApiPropertyOptional({ description: 'Nodes of the first wave (0 = no canary)', example: 1 })
  @IsOptional()
  @IsInt()
  @Min(0)
  canary?: number;

  @ApiPropertyOptional({
    description: 'Nodes per wave after the canary (not with wave_percent)',
    example: 50,
    minimum: 1,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  wave_size?: number;

  @ApiPropertyOptional({
    description: "Nodes per wave as a share of the deployment's nodes, 1-100 (not with wave_size)",
    example: 10,
  })
  @IsOptional()
  @ValidateIf((o: RolloutStrategyDto) => o.wave_percent !== undefined)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(100)
  wave_percent?: number;

  @ApiPropertyOptional({
    description: 'Halt when the failed share of the nodes admitted so far exceeds this (0-100)',
    example: 10,
    default: 100,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  max_failure_percent?: number;

  @ApiPropertyOptional({ description: 'Seconds between waves', example: 0, default: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86400)
  wave_pause_seconds?: number;

  @ApiPropertyOptional({
    description:
      'node: node number; role: spines, then border leaves, then leaves (the same as node for a deployment without a topology)',
    enum: ['node', 'role'],
    default: 'node',
  })
  @IsOptional()
  @IsIn(['node', 'role'])
  order?: 'node' | 'role';

  @ApiPropertyOptional({ type: RolloutGateDto, description: 'Telemetry gate after each wave' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RolloutGateDto)
  gate?: RolloutGateDto;
}
