import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIntIn } from '../../common/id-param.dto';
import { Type } from 'class-transformer';
import { IsIn, IsNumber, IsOptional, Max, Min } from 'class-validator';
import { DETECTION_METHODS, DetectionMethod } from '../bottleneck-detector';

export const PEER_GROUPS = ['role', 'deployment'] as const;
export type PeerGroup = (typeof PEER_GROUPS)[number];

export class BottlenecksQuery {
  @ApiPropertyOptional({
    default: 10,
    minimum: 1,
    maximum: 60,
    example: 10,
    description: 'Look back this many minutes from now',
  })
  @IsOptional()
  @IsIntIn(1, 60)
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
    description:
      'zscore: the seed algorithm, node means against the mean and sample standard deviation of every sample in the window. mad: node means against the median and MAD of node means (robust z = 0.6745·(x − median)/MAD; where MAD is 0, (x − median)/(1.253314·mean absolute deviation)), so several slow nodes cannot hide each other',
  })
  @IsOptional()
  @IsIn(DETECTION_METHODS)
  method: DetectionMethod = 'zscore';

  @ApiPropertyOptional({
    default: 1,
    minimum: 1,
    maximum: 1000000,
    example: 1,
    description:
      'Nodes with fewer samples in the window are left out of the analysis (their samples too) and counted in nodes_below_min_samples',
  })
  @IsOptional()
  @IsIntIn(1, 1_000_000)
  min_samples = 1;

  @ApiPropertyOptional({
    enum: PEER_GROUPS,
    default: 'role',
    description:
      'role: each node is compared with the nodes of its own role (spines with spines, leaves with leaves, border leaves with border leaves). deployment: with every node of the deployment (the seed behaviour). A deployment without a topology has only leaves: both give the same result.',
  })
  @IsOptional()
  @IsIn(PEER_GROUPS)
  peer_group: PeerGroup = 'role';
}
