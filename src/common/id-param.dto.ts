import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export const MAX_INT32 = 2_147_483_647;

/**
 * A whole number from a path or query string within [min, max]; anything else is 422. Listed in
 * the order stacked decorators would apply, so the type check still reports first.
 */
export const IsIntIn = (min: number, max: number) =>
  applyDecorators(
    Max(max),
    Min(min),
    IsInt(),
    Type(() => Number),
  );

/** A positive 32-bit integer id. */
export const IsIntegerId = () => IsIntIn(1, MAX_INT32);

/** `{id}` of a deployment: a positive 32-bit integer, else 422. */
export class DeploymentIdParam {
  @ApiProperty({ description: 'Deployment id', example: 1, minimum: 1 })
  @IsIntegerId()
  id: number;
}
