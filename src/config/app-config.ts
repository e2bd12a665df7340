import 'reflect-metadata';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
  ValidationError,
} from 'class-validator';

export const APP_ROLES = ['api', 'worker', 'all'] as const;
export type AppRole = (typeof APP_ROLES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ApiKey {
  key: string;
  access: 'rw' | 'ro';
}

/** Raises with one line naming the variable and why, so start-up can print it and stop. */
export class ConfigError extends Error {}

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** The environment as DESIGN.md's table defines it; every variable optional. */
class EnvironmentVariables {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8000;

  @Transform(trim)
  @IsString()
  HOST = '127.0.0.1';

  @Transform(trim)
  @Matches(/^postgres(ql)?:\/\/.+\/[^/?]+/, {
    message: 'must be a postgres:// URL that names a database',
  })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/netorch';

  @Transform(trim)
  @Matches(/^rediss?:\/\/.+/, { message: 'must be a redis:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @Transform(trim)
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'must be 1-64 of A-Z a-z 0-9 _ . : -' })
  QUEUE_PREFIX = 'netorch';

  @Transform(trim)
  @IsIn(APP_ROLES)
  APP_ROLE: AppRole = 'all';

  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1000)
  SIM_TIME_SCALE = 1;

  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  SIM_FAILURE_RATE = 0.05;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  TELEMETRY_INTERVAL_MS = 5000;

  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(24 * 365 * 10)
  TELEMETRY_RETENTION_HOURS = 168;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  MAX_NODES_PER_DEPLOYMENT = 10000;

  @Transform(trim)
  @Matches(/^$|^[^\s:,]+:(rw|ro)(,[^\s:,]+:(rw|ro))*$/, {
    message: 'must be a comma list of key:rw or key:ro',
  })
  API_KEYS = '';

  @Transform(trim)
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @Transform(trim)
  @IsString()
  NODE_ENV = 'development';
}

export interface AppConfig {
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  role: AppRole;
  simTimeScale: number;
  simFailureRate: number;
  telemetryIntervalMs: number;
  telemetryRetentionHours: number;
  maxNodesPerDeployment: number;
  apiKeys: ApiKey[];
  logLevel: LogLevel;
  production: boolean;
}

function describe(error: ValidationError, raw: unknown): string {
  // Constraints arrive in reverse declaration order; the first declared (the type check) says most.
  const why = Object.values(error.constraints ?? {}).at(-1) ?? 'is invalid';
  // class-validator's messages start with the property name; say it once.
  const reason = why.startsWith(error.property) ? why.slice(error.property.length).trim() : why;
  return `${error.property}=${JSON.stringify(raw)} ${reason}`;
}

/** Reads and validates the environment; throws ConfigError on the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const provided = Object.fromEntries(
    Object.keys(new EnvironmentVariables())
      .filter((name) => env[name] !== undefined && env[name] !== '')
      .map((name) => [name, env[name]]),
  );
  // API_KEYS may be set to an empty string on purpose (open mode).
  const vars = plainToInstance(EnvironmentVariables, provided);
  const errors = validateSync(vars, { whitelist: true });
  if (errors.length > 0) {
    throw new ConfigError(`Invalid configuration: ${describe(errors[0], env[errors[0].property])}`);
  }
  const apiKeys = vars.API_KEYS
    ? vars.API_KEYS.split(',').map((entry) => {
        const [key, access] = entry.split(':');
        return { key, access: access as ApiKey['access'] };
      })
    : [];
  const production = vars.NODE_ENV === 'production';
  if (production && apiKeys.length === 0) {
    throw new ConfigError(
      'Invalid configuration: API_KEYS is empty and NODE_ENV=production; set API_KEYS=key:rw[,key:ro] to protect the API',
    );
  }
  return {
    port: vars.PORT,
    host: vars.HOST,
    databaseUrl: vars.DATABASE_URL,
    redisUrl: vars.REDIS_URL,
    queuePrefix: vars.QUEUE_PREFIX,
    role: vars.APP_ROLE,
    simTimeScale: vars.SIM_TIME_SCALE,
    simFailureRate: vars.SIM_FAILURE_RATE,
    telemetryIntervalMs: vars.TELEMETRY_INTERVAL_MS,
    telemetryRetentionHours: vars.TELEMETRY_RETENTION_HOURS,
    maxNodesPerDeployment: vars.MAX_NODES_PER_DEPLOYMENT,
    apiKeys,
    logLevel: vars.LOG_LEVEL,
    production,
  };
}
