import {
  applyDecorators,
  Param,
  PipeTransform,
  UnprocessableEntityException,
} from '@nestjs/common';
import { ApiParam, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { integerParamProblem } from './integer-id';

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

/**
 * `{id}` of a deployment checked as DeploymentIdParam checks it (same 422 body), without
 * class-transformer and class-validator: a number and three comparisons instead of an instance,
 * its metadata lookups and an async validation on every request. The global ValidationPipe
 * leaves a number parameter to it (it only converts the string with `+value`).
 */
export class DeploymentIdPipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    const id = Number(value);
    const problem = integerParamProblem('id', id, 1, MAX_INT32);
    if (problem) throw new UnprocessableEntityException({ detail: problem });
    return id;
  }
}

const ID_PIPE = new DeploymentIdPipe();

/**
 * The handler parameter for `{id}` of a deployment, documented as DeploymentIdParam documents
 * it: `@DeploymentId() id: number`.
 */
export function DeploymentId(): ParameterDecorator {
  const documented = ApiParam({
    name: 'id',
    description: 'Deployment id',
    schema: { minimum: 1, example: 1, type: 'number' },
  });
  return (target, key, index) => {
    Param('id', ID_PIPE)(target, key, index);
    if (key !== undefined) documented(target, key, Object.getOwnPropertyDescriptor(target, key)!);
  };
}
