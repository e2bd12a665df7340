import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import { IsInt, Max, Min, validateSync } from 'class-validator';
import { integerParamProblem } from './integer-id';

const MAX_INT32 = 2_147_483_647;

class ById {
  id: number;
}
// The rules of DeploymentIdParam, applied in IsIntIn's order as applyDecorators applies them.
for (const rule of [Max(MAX_INT32), Min(1), IsInt(), Type(() => Number)])
  rule(ById.prototype, 'id');

/** What the global ValidationPipe reports for `{id}`: the last constraint, as validation.ts picks it. */
function validationPipeProblem(raw: string): string | undefined {
  const [error] = validateSync(plainToInstance(ById, { id: raw }));
  return error && Object.values(error.constraints ?? {}).slice(-1)[0];
}

describe('integerParamProblem', () => {
  it.each([
    '1',
    '42',
    String(MAX_INT32),
    String(MAX_INT32 + 1),
    '0',
    '-1',
    '-0',
    '',
    ' 7 ',
    'abc',
    '1.5',
    '1e3',
    '1e400',
    '0x10',
    'Infinity',
    'NaN',
    '99999999999999999999',
  ])('reports %j as the ValidationPipe does', (raw) => {
    expect(integerParamProblem('id', Number(raw), 1, MAX_INT32)).toBe(validationPipeProblem(raw));
  });
});
