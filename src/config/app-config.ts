import { ConfigError } from './config-error';
import { ConfigVariable, InvalidValue, ValueOf } from './config-variable';
import { CONFIG_DEPENDENT_VARIABLES } from './config-dependent-variables';
import { BaseConfig, CONFIG_VARIABLES } from './config-variables';

export { ConfigError } from './config-error';
export type { ApiKey, ApiKeyScope } from './api-keys';
export { defaultBurst } from './config-dependent-variables';
export { APP_ROLES, LOG_LEVELS } from './config-variables';
export type { AppRole, LogLevel } from './config-variables';

type Rows = typeof CONFIG_VARIABLES & typeof CONFIG_DEPENDENT_VARIABLES;

/** The configuration of a process: one property per row of the variable tables. */
export type AppConfig = { -readonly [K in keyof Rows]: ValueOf<Rows[K]> };

/** The variables whose values may carry a secret. */
export type SensitiveKey = {
  [K in keyof Rows]: Rows[K] extends { sensitive: object } ? K : never;
}[keyof Rows];

/** Every row, keyed by its AppConfig property, in reading order. */
const ROWS = { ...CONFIG_VARIABLES, ...CONFIG_DEPENDENT_VARIABLES } as Record<
  keyof AppConfig,
  ConfigVariable<unknown, BaseConfig>
>;

/** Every variable in reading order, as docs/configuration.md lists them. */
export const ALL_CONFIG_VARIABLES: readonly ConfigVariable<unknown, BaseConfig>[] =
  Object.values(ROWS);

/** Checks that span variables, run once every variable was read. */
const CROSS_CHECKS: ((config: AppConfig) => string | null)[] = [
  // A worker serves no HTTP, so only roles with the API must not run open.
  (config) =>
    config.production && config.apiKeys.length === 0 && config.role !== 'worker'
      ? 'API_KEYS is empty and NODE_ENV=production; set API_KEYS=name:secret:rw[,name:secret:ro] to protect the API'
      : null,
  // Every role opens sealed secrets; a production server must not use the public development key.
  (config) =>
    config.production && !config.secretsKey
      ? 'SECRETS_KEY is unset and NODE_ENV=production; set SECRETS_KEY to 32 random bytes (openssl rand -base64 32) to encrypt credentials'
      : null,
];

function read<T>(row: ConfigVariable<T, BaseConfig>, env: NodeJS.ProcessEnv, basis: BaseConfig): T {
  const raw = env[row.env];
  // An empty value is unset: API_KEYS may be set to an empty string on purpose (open mode).
  if (raw === undefined || raw === '') return row.fallback(basis);
  try {
    return row.parse(raw, basis);
  } catch (error) {
    if (!(error instanceof InvalidValue)) throw error;
    const shown = !error.showValue
      ? ''
      : row.sensitive
        ? row.sensitive.show
          ? `=${JSON.stringify(row.sensitive.show(raw))}`
          : ''
        : `=${JSON.stringify(raw)}`;
    throw new ConfigError(`Invalid configuration: ${row.env}${shown} ${error.reason}`);
  }
}

/** Reads and validates the environment; throws ConfigError on the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const basis = {} as Record<string, unknown>;
  for (const [key, row] of Object.entries(CONFIG_VARIABLES)) {
    basis[key] = read(row as ConfigVariable<unknown>, env, basis as BaseConfig);
  }
  const config = { ...basis } as Record<string, unknown>;
  for (const [key, row] of Object.entries(CONFIG_DEPENDENT_VARIABLES)) {
    config[key] = read(row as ConfigVariable<unknown, BaseConfig>, env, basis as BaseConfig);
  }
  for (const check of CROSS_CHECKS) {
    const problem = check(config as AppConfig);
    if (problem !== null) throw new ConfigError(`Invalid configuration: ${problem}`);
  }
  return config as AppConfig;
}

/** Every secret the configuration holds (API key secrets, URL credentials), for redaction. */
export function configSecrets(config: Pick<AppConfig, SensitiveKey>): string[] {
  return (Object.keys(ROWS) as (keyof AppConfig)[]).flatMap((key) => {
    const sensitive = ROWS[key].sensitive;
    return sensitive ? sensitive.secrets(config[key as SensitiveKey]) : [];
  });
}
