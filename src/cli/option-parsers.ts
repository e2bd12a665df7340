import { InvalidArgumentError, Option } from 'commander';

/** Commander argument parsers: bad input is named with what was expected. */
export const optionParsers = {
  id(value: string): number {
    if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`expected a positive integer id, got "${value}"`);
    }
    return Number(value);
  },
  count(value: string): number {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`expected a whole number >= 0, got "${value}"`);
    }
    return Number(value);
  },
  positive(value: string): number {
    const n = optionParsers.count(value);
    if (n < 1) throw new InvalidArgumentError(`expected a whole number >= 1, got "${value}"`);
    return n;
  },
  number(value: string): number {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) {
      throw new InvalidArgumentError(`expected a number, got "${value}"`);
    }
    return n;
  },
};

/** An option that takes one of `values`: commander lists them in --help and refuses any other. */
export function choiceOption(
  flags: string,
  description: string,
  values: readonly string[],
): Option {
  return new Option(flags, description).choices(values);
}
