import { redactUrl, urlSecrets } from './redact';

/** The headings of docs/configuration.md, in their order there. */
export const CONFIG_GROUPS = [
  'Server',
  'Security',
  'Database',
  'Queue',
  'Deployments',
  'Simulation',
  'Telemetry',
  'Rollouts',
  'Events',
  'Alerting',
  'Drivers',
  'Observability',
] as const;
export type ConfigGroup = (typeof CONFIG_GROUPS)[number];

/** A value that does not fit its variable; the loader prefixes the variable (and value). */
export class InvalidValue extends Error {
  constructor(
    readonly reason: string,
    /** False when even a redacted value must not be shown. */
    readonly showValue = true,
  ) {
    super(reason);
  }
}

/**
 * How a variable's value may carry a secret: how a bad value is shown in the start-up message
 * (`undefined` = not at all), and which secrets of the read value log lines must never carry.
 */
export interface Sensitivity<T> {
  show?(raw: string): string;
  secrets(value: T): string[];
}

/** A URL that may carry a password: shown with it replaced, and its credentials redacted. */
export const URL_WITH_CREDENTIALS: Sensitivity<string | undefined> = {
  show: (raw) => redactUrl(raw.trim()),
  secrets: (value) => (value ? urlSecrets(value) : []),
};

/**
 * One environment variable: everything the loader, the AppConfig type, redaction and
 * docs/configuration.md know of it. `Basis` is what its check or default may read of the
 * variables read before it.
 */
export interface ConfigVariable<T, Basis = unknown> {
  readonly env: string;
  readonly group: ConfigGroup;
  /** The default as docs/configuration.md shows it. */
  readonly shownDefault: string;
  readonly description: string;
  readonly sensitive?: Sensitivity<T>;
  /** Reads a set (non-empty) value; throws InvalidValue naming the reason. */
  parse(raw: string, basis: Basis): T;
  /** The value when the variable is unset or empty. */
  fallback(basis: Basis): T;
}

// The check decides the type: the default and the sensitivity must fit it.
type Row<T> = Omit<ConfigVariable<T>, 'parse' | 'fallback' | 'shownDefault' | 'sensitive'> & {
  default: NoInfer<T>;
  parse(raw: string): T;
  shownDefault?: string;
  sensitive?: Sensitivity<NoInfer<T>>;
};

/** A variable read on its own, with a constant default. */
export function variable<T>({ default: value, shownDefault, ...row }: Row<T>): ConfigVariable<T> {
  return {
    ...row,
    shownDefault: shownDefault ?? (value === undefined || value === '' ? '(empty)' : `${value}`),
    fallback: () => value,
  };
}

/** The property type a row gives the configuration. */
export type ValueOf<R> = R extends ConfigVariable<infer T, infer _Basis> ? T : never;

// ---- checks: each throws InvalidValue with class-validator's wording of the same rule ----

function bounded(value: number, min: number, max: number): number {
  if (value < min) throw new InvalidValue(`must not be less than ${min}`);
  if (value > max) throw new InvalidValue(`must not be greater than ${max}`);
  return value;
}

/** An integer in [min, max], read as JavaScript's Number() reads it. */
export function integer(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const value = Number(raw);
    if (!Number.isInteger(value)) throw new InvalidValue('must be an integer number');
    return bounded(value, min, max);
  };
}

/** A finite number in [min, max]. */
export function decimal(min: number, max: number): (raw: string) => number {
  return (raw) => {
    const value = Number(raw);
    if (!Number.isFinite(value)) {
      throw new InvalidValue('must be a number conforming to the specified constraints');
    }
    return bounded(value, min, max);
  };
}

/** One of a list of words, surrounding blanks ignored. */
export function oneOf<const V extends readonly string[]>(values: V): (raw: string) => V[number] {
  return (raw) => {
    const value = raw.trim();
    if (!values.includes(value)) {
      throw new InvalidValue(`must be one of the following values: ${values.join(', ')}`);
    }
    return value;
  };
}

/** Text (surrounding blanks ignored) matching a pattern; `message` says what it must be. */
export function matching(pattern: RegExp, message: string): (raw: string) => string {
  return (raw) => {
    const value = raw.trim();
    if (!pattern.test(value)) throw new InvalidValue(message);
    return value;
  };
}

/** Text, surrounding blanks ignored. */
export const text = (raw: string): string => raw.trim();

/** A URL matching a pattern that URL can also parse; an unparseable one is not shown at all. */
export function url(pattern: RegExp, message: string): (raw: string) => string {
  const check = matching(pattern, message);
  return (raw) => {
    const value = check(raw);
    if (!URL.canParse(value)) {
      throw new InvalidValue('is not a valid URL (not shown: it may hold a password)', false);
    }
    return value;
  };
}

/** Makes a check optional: unset is `undefined`. */
export function optional<T>(
  row: Omit<Row<T>, 'default' | 'sensitive'> & { sensitive?: Sensitivity<NoInfer<T> | undefined> },
): ConfigVariable<T | undefined> {
  return variable<T | undefined>({ ...row, default: undefined });
}
