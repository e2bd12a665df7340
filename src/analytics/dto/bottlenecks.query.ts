import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';

export const DETECTION_METHODS = ['zscore'] as const;
export type DetectionMethod = (typeof DETECTION_METHODS)[number];

export class BottlenecksQuery {
  @ApiPropertyOptional({
    default: 10,
    minimum: 1,
    maximum: 60,
    example: 10,
    description: 'Look back this many minutes from now',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(60)
  analysis_window_minutes = 10;

  @ApiPropertyOptional({
    default: 2,
    minimum: 0.5,
    maximum: 10,
    example: 2,
    description: 'A node is a bottleneck when any bad-direction z reaches this',
  })
  @IsOptional()
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.5)
  @Max(10)
  threshold = 2;

  @ApiPropertyOptional({
    enum: DETECTION_METHODS,
    default: 'zscore',
    description: 'zscore: the seed algorithm over all samples of the window',
  })
  @IsOptional()
  @IsIn(DETECTION_METHODS)
  method: DetectionMethod = 'zscore';
}
