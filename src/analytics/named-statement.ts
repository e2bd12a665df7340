/** A statement's text refers to its parameters by name; this maps each name to its `$n`. */
export type Placeholders<P> = { readonly [K in keyof P]-?: string };

/**
 * A statement written against named parameters and compiled once to PostgreSQL's `$n`: the
 * n-th name of `names` is `$n`, so the text PostgreSQL receives is fixed at module load and
 * callers pass an object of named values instead of counting positions.
 */
export interface NamedStatement<P> {
  readonly text: string;
  /** The parameter names in `$n` order. */
  readonly names: readonly (keyof P & string)[];
  /** The values of `params` in `$n` order (other properties of `params` are ignored). */
  values(params: P): unknown[];
  /** The named values of positional ones, `$1` first. */
  named(values: readonly unknown[]): P;
}

/**
 * Compiles `build` with each name replaced by its `$n`. Every name must appear in the text:
 * PostgreSQL cannot type a parameter the statement never uses.
 */
export function namedStatement<P>(
  names: readonly (keyof P & string)[],
  build: (p: Placeholders<P>) => string,
): NamedStatement<P> {
  const placeholders = Object.fromEntries(names.map((name, i) => [name, `$${i + 1}`]));
  const text = build(placeholders as Placeholders<P>);
  names.forEach((name, i) => {
    if (!new RegExp(`\\$${i + 1}(?!\\d)`).test(text)) {
      throw new Error(`Statement parameter ${name} ($${i + 1}) is never used`);
    }
  });
  return {
    text,
    names,
    values: (params) => names.map((name) => params[name]),
    named: (values) => Object.fromEntries(names.map((name, i) => [name, values[i]])) as P,
  };
}
