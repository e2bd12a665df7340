import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export const MAX_INT32 = 2_147_483_647;

/**
 * A positive 32-bit integer id read from a path or query string; anything else is 422.
 * Listed in the order stacked decorators would apply, so the type check still reports first.
 */
export const IsIntegerId = () =>
  applyDecorators(
    Max(MAX_INT32),
    Min(1),
    IsInt(),
    Type(() => Number),
  );

/** `{id}` of a deployment: a positive 32-bit integer, else 422. */
export class DeploymentIdParam {
  @ApiProperty({ description: 'Deployment id', example: 1, minimum: 1 })
  @IsIntegerId()
  id: number;
}
