import 'reflect-metadata';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
  ValidationError,
} from 'class-validator';
import { redactUrl } from './redact';
import { OTLP_PROTOCOLS, OtlpProtocol } from './otlp';
import { ApiKey, parseApiKeys } from './api-keys';
import { ConfigError } from './config-error';

export { ConfigError } from './config-error';
export type { ApiKey, ApiKeyScope } from './api-keys';

export const APP_ROLES = ['api', 'worker', 'all'] as const;
export type AppRole = (typeof APP_ROLES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** The environment as the README's configuration table defines it; every variable optional. */
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

  @IsOptional()
  @Transform(trim)
  @Matches(/^rediss?:\/\/.+/, { message: 'must be a redis:// URL' })
  RATE_LIMIT_REDIS_URL?: string;

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

  // Parsed by parseApiKeys, whose messages never repeat a secret.
  @IsString()
  API_KEYS = '';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  RATE_LIMIT_PER_MINUTE = 6000;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  RATE_LIMIT_BURST?: number;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  DB_STATEMENT_TIMEOUT_MS = 15000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  DB_POOL_SIZE = 20;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400)
  IDEMPOTENCY_LEASE_SECONDS = 60;

  @Transform(trim)
  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @Transform(trim)
  @IsString()
  NODE_ENV = 'development';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT = 0;

  @IsOptional()
  @Transform(trim)
  @Matches(/^https?:\/\/[^/?#]+/, { message: 'must be an http:// or https:// URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  @Transform(trim)
  @IsIn(OTLP_PROTOCOLS)
  OTEL_EXPORTER_OTLP_PROTOCOL: OtlpProtocol = 'http/protobuf';

  @IsOptional()
  @Transform(trim)
  @Matches(/^[\w.:-]{1,128}$/, { message: 'must be 1-128 of A-Z a-z 0-9 _ . : -' })
  OTEL_SERVICE_NAME?: string;

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  ALERT_EVAL_INTERVAL_MS = 15000;

  @Transform(trim)
  @Matches(/^[A-Za-z0-9*.:[\]_-]*(\s*,\s*[A-Za-z0-9*.:[\]_-]+)*$/, {
    message: 'must be a comma list of host patterns (example.com, *.example.com, 10.0.0.5)',
  })
  RECEIVER_ALLOWED_HOSTS = '';

  @IsOptional()
  @Transform(trim)
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL' })
  ALERT_EXTERNAL_URL?: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  MAX_SERIES_RAW_SAMPLES = 2_000_000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  MAX_EVENT_STREAMS = 1000;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  MAX_EVENT_STREAMS_PER_KEY = 100;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(36_500)
  EVENT_RETENTION_DAYS = 90;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(36_500)
  ALERT_RETENTION_DAYS = 7;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86_400)
  ROLLOUT_GATE_TELEMETRY_GRACE_SECONDS = 60;
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
  /** 0 turns the limiter off. */
  rateLimitPerMinute: number;
  /** Requests one client may make within one second; 0 = no per-second limit. */
  rateLimitBurst: number;
  /** Where the rate-limit counters live; REDIS_URL unless set. */
  rateLimitRedisUrl: string;
  /** PostgreSQL statement_timeout of the service's pool; 0 = none. */
  dbStatementTimeoutMs: number;
  dbPoolSize: number;
  idempotencyLeaseSeconds: number;
  logLevel: LogLevel;
  production: boolean;
  /** A worker's own Prometheus port (`/metrics`); 0 = none. */
  metricsPort: number;
  /** OTLP/HTTP collector base URL; tracing is off (and not loaded) without it. */
  otlpEndpoint: string | undefined;
  otlpProtocol: OtlpProtocol;
  otelServiceName: string | undefined;
  /** Period of the alert rule evaluation. */
  alertEvalIntervalMs: number;
  /** Host patterns receiver URLs may name; empty = any (link-local is refused regardless). */
  receiverAllowedHosts: string[];
  /** netorch's address as notifications name it (externalURL, generatorURL). */
  alertExternalUrl: string;
  /** Raw samples one series request may read; beyond it the request is 422. */
  maxSeriesRawSamples: number;
  /** Open event streams one process serves at most. */
  maxEventStreams: number;
  /** Open event streams of one API key (or client address when the API is open); 0 = no share. */
  maxEventStreamsPerKey: number;
  /** Audit events older than this many days are deleted; 0 = kept for ever. */
  eventRetentionDays: number;
  /** Resolved alerts and delivery records older than this many days are deleted; 0 = kept. */
  alertRetentionDays: number;
  /** How long the telemetry gate waits past the soak for a RUNNING wave node's first sample. */
  gateTelemetryGraceMs: number;
}

/** Variables whose value may hold a password: shown redacted, or not at all. */
const URL_VARIABLES = new Set([
  'DATABASE_URL',
  'REDIS_URL',
  'RATE_LIMIT_REDIS_URL',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
]);

/** The default burst: a 30th of the minute's allowance (twice its average rate), at least 10. */
export function defaultBurst(perMinute: number): number {
  return Math.max(10, Math.ceil(perMinute / 30));
}

function shown(property: string, raw: unknown): string {
  if (property === 'API_KEYS') return '';
  if (URL_VARIABLES.has(property)) {
    return typeof raw === 'string' ? `=${JSON.stringify(redactUrl(raw.trim()))}` : '';
  }
  return `=${JSON.stringify(raw)}`;
}

function describe(error: ValidationError, raw: unknown): string {
  // Constraints arrive in reverse declaration order; the first declared (the type check) says most.
  const why = Object.values(error.constraints ?? {}).at(-1) ?? 'is invalid';
  // class-validator's messages start with the property name; say it once.
  const reason = why.startsWith(error.property) ? why.slice(error.property.length).trim() : why;
  return `${error.property}${shown(error.property, raw)} ${reason}`;
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
  for (const name of URL_VARIABLES) {
    const value =
      vars[
        name as
          'DATABASE_URL' | 'REDIS_URL' | 'RATE_LIMIT_REDIS_URL' | 'OTEL_EXPORTER_OTLP_ENDPOINT'
      ];
    if (value !== undefined && !URL.canParse(value)) {
      throw new ConfigError(
        `Invalid configuration: ${name} is not a valid URL (not shown: it may hold a password)`,
      );
    }
  }
  const production = vars.NODE_ENV === 'production';
  const apiKeys = parseApiKeys(vars.API_KEYS, production);
  // A worker serves no HTTP, so only roles with the API must not run open.
  if (production && apiKeys.length === 0 && vars.APP_ROLE !== 'worker') {
    throw new ConfigError(
      'Invalid configuration: API_KEYS is empty and NODE_ENV=production; set API_KEYS=name:secret:rw[,name:secret:ro] to protect the API',
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
    rateLimitPerMinute: vars.RATE_LIMIT_PER_MINUTE,
    rateLimitBurst: vars.RATE_LIMIT_BURST ?? defaultBurst(vars.RATE_LIMIT_PER_MINUTE),
    rateLimitRedisUrl: vars.RATE_LIMIT_REDIS_URL ?? vars.REDIS_URL,
    dbStatementTimeoutMs: vars.DB_STATEMENT_TIMEOUT_MS,
    dbPoolSize: vars.DB_POOL_SIZE,
    idempotencyLeaseSeconds: vars.IDEMPOTENCY_LEASE_SECONDS,
    logLevel: vars.LOG_LEVEL,
    production,
    metricsPort: vars.METRICS_PORT,
    otlpEndpoint: vars.OTEL_EXPORTER_OTLP_ENDPOINT,
    otlpProtocol: vars.OTEL_EXPORTER_OTLP_PROTOCOL,
    otelServiceName: vars.OTEL_SERVICE_NAME,
    alertEvalIntervalMs: vars.ALERT_EVAL_INTERVAL_MS,
    receiverAllowedHosts: vars.RECEIVER_ALLOWED_HOSTS.split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h.length > 0),
    alertExternalUrl: (vars.ALERT_EXTERNAL_URL ?? `http://${vars.HOST}:${vars.PORT}`).replace(
      /\/+$/,
      '',
    ),
    maxSeriesRawSamples: vars.MAX_SERIES_RAW_SAMPLES,
    maxEventStreams: vars.MAX_EVENT_STREAMS,
    maxEventStreamsPerKey: vars.MAX_EVENT_STREAMS_PER_KEY,
    eventRetentionDays: vars.EVENT_RETENTION_DAYS,
    alertRetentionDays: vars.ALERT_RETENTION_DAYS,
    gateTelemetryGraceMs: vars.ROLLOUT_GATE_TELEMETRY_GRACE_SECONDS * 1000,
  };
}
