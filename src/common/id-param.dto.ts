import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export const MAX_INT32 = 2_147_483_647;

/** `{id}` of a deployment: a positive 32-bit integer, else 422. */
export class DeploymentIdParam {
  @ApiProperty({ description: 'Deployment id', example: 1, minimum: 1 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_INT32)
  id: number;
}
