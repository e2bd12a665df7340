/**
 * What is wrong with a path parameter that must be a whole number within [min, max], in the words
 * the global ValidationPipe uses for `@IsIntIn` (class-transformer's `Number(value)`, then
 * class-validator's IsInt, Min and Max, the type check reported first); undefined when it is fine.
 */
export function integerParamProblem(
  name: string,
  value: number,
  min: number,
  max: number,
): string | undefined {
  if (!Number.isInteger(value)) return `${name} must be an integer number`;
  if (value < min) return `${name} must not be less than ${min}`;
  if (value > max) return `${name} must not be greater than ${max}`;
  return undefined;
}
