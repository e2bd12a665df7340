import {
  decimal,
  integer,
  InvalidValue,
  matching,
  oneOf,
  optional,
  text,
  url,
  URL_WITH_CREDENTIALS,
  ValueOf,
  variable,
} from './config-variable';
import { isIP } from 'node:net';
import { OTLP_PROTOCOLS } from './otlp';
import { SECRETS_KEY_ROW } from './secrets-key';

export const APP_ROLES = ['api', 'worker', 'all'] as const;
export type AppRole = (typeof APP_ROLES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const REDIS_URL = /^rediss?:\/\/.+/;

/** A comma list of IP addresses and CIDR ranges, each checked. */
const addressList = (raw: string): string[] =>
  raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const [address, prefix, extra] = entry.split('/');
      const family = isIP(address);
      const max = family === 4 ? 32 : 128;
      const fits = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= max);
      if (family === 0 || !fits || extra !== undefined) {
        throw new InvalidValue(`"${entry}" is not an IP address or CIDR range`);
      }
      return entry;
    });

/** A comma list of host patterns (example.com, *.example.com, 10.0.0.5, *), lower-cased. */
export const hostPatterns = (raw: string): string[] =>
  matching(
    /^[A-Za-z0-9*.:[\]_-]*(\s*,\s*[A-Za-z0-9*.:[\]_-]+)*$/,
    'must be a comma list of host patterns (example.com, *.example.com, 10.0.0.5)',
  )(raw)
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h.length > 0);

/**
 * Every environment variable the service reads, keyed by its AppConfig property: one row each.
 * These are read on their own; the rows of CONFIG_DEPENDENT_VARIABLES may read them.
 */
export const CONFIG_VARIABLES = {
  port: variable({
    env: 'PORT',
    group: 'Server',
    default: 8000,
    parse: integer(0, 65535),
    description: 'HTTP port',
  }),
  host: variable({
    env: 'HOST',
    group: 'Server',
    default: '127.0.0.1',
    parse: text,
    description: 'bind address (0.0.0.0 in containers)',
  }),
  role: variable({
    env: 'APP_ROLE',
    group: 'Server',
    default: 'all',
    parse: oneOf(APP_ROLES),
    description: '`api` (HTTP only), `worker` (queue processors, no HTTP) or `all` (both)',
  }),
  idempotencyLeaseSeconds: variable({
    env: 'IDEMPOTENCY_LEASE_SECONDS',
    group: 'Server',
    default: 60,
    parse: integer(1, 86_400),
    description:
      'how long an unanswered `Idempotency-Key` claim blocks its key after its request died',
  }),
  production: variable({
    env: 'NODE_ENV',
    group: 'Security',
    default: false,
    shownDefault: 'development',
    parse: (raw) => text(raw) === 'production',
    description:
      '`production` turns on the two `API_KEYS` checks (no open API, no secret under 16 characters; compose and the image set it)',
  }),
  secretsKey: optional({
    ...SECRETS_KEY_ROW,
    env: 'SECRETS_KEY',
    shownDefault: '(empty: the development key; refused with `NODE_ENV=production`)',
    description:
      'the key that encrypts credentials and receiver secrets (AES-256-GCM): 32 bytes as base64 or 64 hex digits (`openssl rand -base64 32`). Unset outside production, a fixed, public development key is used and the start-up log says so loudly',
  }),
  secretsKeyPrevious: optional({
    ...SECRETS_KEY_ROW,
    env: 'SECRETS_KEY_PREVIOUS',
    shownDefault: '(empty)',
    description:
      'the key before the current `SECRETS_KEY`: values it sealed still decrypt, and are sealed again under `SECRETS_KEY` when written. Rotate by moving the old key here and setting a new `SECRETS_KEY`',
  }),
  maxCredentials: variable({
    env: 'MAX_CREDENTIALS',
    group: 'Security',
    default: 1000,
    parse: integer(1, 1_000_000),
    description: 'credentials the server keeps (`POST /credentials` beyond it is 422)',
  }),
  trustProxy: variable({
    env: 'TRUST_PROXY',
    group: 'Security',
    default: [] as string[],
    shownDefault: '(empty: X-Forwarded-For ignored)',
    parse: (raw) => addressList(raw),
    description:
      'comma list of addresses and CIDR ranges of reverse proxies (`10.0.0.0/8`, `127.0.0.1`): only a request from one of them has its client address taken from `X-Forwarded-For` (the nearest address not itself a trusted proxy), for rate limits, event-stream shares and logs',
  }),
  rateLimitPerMinute: variable({
    env: 'RATE_LIMIT_PER_MINUTE',
    group: 'Security',
    default: 6000,
    parse: integer(0, 10_000_000),
    description:
      'requests per client per minute, shared by every API replica through Redis; a client is an API key name, or the client address for the open API and for unknown keys; 0 = no limit (load tests)',
  }),
  databaseUrl: variable({
    env: 'DATABASE_URL',
    group: 'Database',
    default: 'postgres://postgres@127.0.0.1:5432/netorch',
    parse: url(/^postgres(ql)?:\/\/.+\/[^/?]+/, 'must be a postgres:// URL that names a database'),
    sensitive: URL_WITH_CREDENTIALS,
    description: 'created on start if missing; migrations run on start',
  }),
  dbPoolSize: variable({
    env: 'DB_POOL_SIZE',
    group: 'Database',
    default: 20,
    parse: integer(1, 1000),
    description:
      'PostgreSQL connections per process (one pool per process, also with `APP_ROLE=all`)',
  }),
  dbStatementTimeoutMs: variable({
    env: 'DB_STATEMENT_TIMEOUT_MS',
    group: 'Database',
    default: 15000,
    parse: integer(0, 86_400_000),
    description:
      'PostgreSQL `statement_timeout` of every query of a process that serves HTTP (`api`, `all`); a request whose statement runs past it gets 503; 0 = none. Worker-only processes have none',
  }),
  redisUrl: variable({
    env: 'REDIS_URL',
    group: 'Queue',
    default: 'redis://127.0.0.1:6379',
    parse: url(REDIS_URL, 'must be a redis:// URL'),
    sensitive: URL_WITH_CREDENTIALS,
    description: 'BullMQ connection',
  }),
  queuePrefix: variable({
    env: 'QUEUE_PREFIX',
    group: 'Queue',
    default: 'netorch',
    parse: matching(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . : -'),
    description: 'BullMQ key prefix',
  }),
  maxDeployments: variable({
    env: 'MAX_DEPLOYMENTS',
    group: 'Deployments',
    default: 10_000,
    parse: integer(1, 10_000_000),
    description:
      'deployments there may be; beyond, `POST /deployments` is 422 naming this variable',
  }),
  maxNodesPerDeployment: variable({
    env: 'MAX_NODES_PER_DEPLOYMENT',
    group: 'Deployments',
    default: 10000,
    parse: integer(1, 1_000_000),
    description: 'upper bound of `target_node_count`',
  }),
  simTimeScale: variable({
    env: 'SIM_TIME_SCALE',
    group: 'Simulation',
    default: 1,
    parse: decimal(0, 1000),
    description: 'multiplies every simulated delay; 0 = no delay',
  }),
  simFailureRate: variable({
    env: 'SIM_FAILURE_RATE',
    group: 'Simulation',
    default: 0.05,
    parse: decimal(0, 1),
    description: 'share of nodes whose configuration fails (deterministic per node)',
  }),
  telemetryIntervalMs: variable({
    env: 'TELEMETRY_INTERVAL_MS',
    group: 'Telemetry',
    default: 5000,
    parse: integer(100, 3_600_000),
    description: 'collection period for RUNNING nodes',
  }),
  snmpMaxConcurrent: variable({
    env: 'SNMP_MAX_CONCURRENT',
    group: 'Telemetry',
    default: 200,
    parse: integer(1, 10_000),
    description: 'SNMP polls one worker process runs at once (snmp telemetry source)',
  }),
  snmpAllowedNetworks: variable({
    env: 'SNMP_ALLOWED_NETWORKS',
    group: 'Telemetry',
    default: [] as string[],
    shownDefault: '(empty = any)',
    parse: (raw) =>
      matching(
        /^\s*([0-9A-Fa-f.:]+\/\d{1,3}\s*(,\s*[0-9A-Fa-f.:]+\/\d{1,3}\s*)*)?$/,
        'must be a comma list of CIDR networks (10.0.0.0/8, fd00::/8)',
      )(raw)
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n.length > 0),
    description:
      'comma list of CIDR networks the snmp telemetry source may poll; a node whose management address lies outside is not polled (and gets no sample)',
  }),
  telemetryRetentionHours: variable({
    env: 'TELEMETRY_RETENTION_HOURS',
    group: 'Telemetry',
    default: 168,
    parse: decimal(1, 24 * 365 * 10),
    description: 'older samples are dropped (whole daily partitions)',
  }),
  maxSeriesRawSamples: variable({
    env: 'MAX_SERIES_RAW_SAMPLES',
    group: 'Telemetry',
    default: 2_000_000,
    parse: integer(1, 1_000_000_000),
    description:
      'raw samples one `GET /deployments/{id}/telemetry/series` request may read; beyond, 422 naming what to ask instead',
  }),
  gateTelemetryGraceMs: variable({
    env: 'ROLLOUT_GATE_TELEMETRY_GRACE_SECONDS',
    group: 'Rollouts',
    default: 60_000,
    shownDefault: '60',
    parse: (raw) => integer(0, 86_400)(raw) * 1000,
    description:
      "how long a rollout's telemetry gate waits, past the soak, for every RUNNING node of the wave to report a sample; then it halts naming the silent nodes",
  }),
  maxEventStreams: variable({
    env: 'MAX_EVENT_STREAMS',
    group: 'Events',
    default: 1000,
    parse: integer(1, 1_000_000),
    description:
      'open event streams (`GET /deployments/{id}/events/stream`) one process serves; beyond, 429 with `Retry-After`',
  }),
  maxEventStreamsPerKey: variable({
    env: 'MAX_EVENT_STREAMS_PER_KEY',
    group: 'Events',
    default: 100,
    parse: integer(0, 1_000_000),
    description:
      'open event streams of one API key name (or one client address when the API is open); beyond, 429 with `Retry-After`; 0 = no per-key share',
  }),
  eventRetentionDays: variable({
    env: 'EVENT_RETENTION_DAYS',
    group: 'Events',
    default: 90,
    parse: integer(0, 36_500),
    description:
      "audit events older than this are deleted by the workers' `prune-events` job; 0 = kept for ever",
  }),
  alertEvalIntervalMs: variable({
    env: 'ALERT_EVAL_INTERVAL_MS',
    group: 'Alerting',
    default: 15000,
    parse: integer(100, 3_600_000),
    description:
      'period of the alert rule evaluation and of the deployment-events outbox (job schedulers; each rule once per interval, however many workers)',
  }),
  receiverAllowedHosts: variable({
    env: 'RECEIVER_ALLOWED_HOSTS',
    group: 'Alerting',
    default: [] as string[],
    shownDefault: '(empty = any)',
    parse: (raw) => hostPatterns(raw),
    description: 'the older name of `OUTBOUND_ALLOWED_HOSTS`, read when that one is unset',
  }),
  maxReceivers: variable({
    env: 'MAX_RECEIVERS',
    group: 'Alerting',
    default: 200,
    parse: integer(1, 1_000_000),
    description: 'receivers there may be; beyond, `POST /receivers` is 422 naming this variable',
  }),
  maxAlertRulesPerDeployment: variable({
    env: 'MAX_ALERT_RULES_PER_DEPLOYMENT',
    group: 'Alerting',
    default: 100,
    parse: integer(1, 1_000_000),
    description: 'alert rules one deployment may have; beyond, 422 naming this variable',
  }),
  maxActiveSilences: variable({
    env: 'MAX_ACTIVE_SILENCES',
    group: 'Alerting',
    default: 1000,
    parse: integer(1, 1_000_000),
    description:
      'silences not yet ended there may be; beyond, `POST /silences` is 422 naming this variable. Ended silences are deleted with the alert retention',
  }),
  receiverMaxInFlight: variable({
    env: 'RECEIVER_MAX_IN_FLIGHT',
    group: 'Alerting',
    default: 2,
    parse: integer(1, 100),
    description:
      'deliveries one worker process sends to one receiver at a time; the others wait (delayed, not counted as attempts)',
  }),
  receiverBreakerFailures: variable({
    env: 'RECEIVER_BREAKER_FAILURES',
    group: 'Alerting',
    default: 5,
    parse: integer(1, 10_000),
    description:
      "failed attempts in a row (no answer, 5xx, 408, 429) that open a receiver's circuit breaker: its deliveries wait, unsent and without spending attempts, until the pause ends; a 2xx closes it",
  }),
  receiverBreakerPauseMs: variable({
    env: 'RECEIVER_BREAKER_PAUSE_MS',
    group: 'Alerting',
    default: 30_000,
    parse: integer(100, 3_600_000),
    description:
      'the first pause of an open breaker; each opening in a row doubles it, up to 10 minutes (or this value when larger)',
  }),
  alertRetentionDays: variable({
    env: 'ALERT_RETENTION_DAYS',
    group: 'Alerting',
    default: 7,
    parse: integer(0, 36_500),
    description:
      'resolved alerts that ended, and delivery records made, more than this many days ago are deleted (by the alert retention job, at most every 10 minutes); 0 = kept for ever',
  }),
  logLevel: variable({
    env: 'LOG_LEVEL',
    group: 'Observability',
    default: 'info',
    parse: oneOf(LOG_LEVELS),
    description: 'fatal, error, warn, info, debug, trace or silent; logs are JSON lines',
  }),
  metricsPort: variable({
    env: 'METRICS_PORT',
    group: 'Observability',
    default: 0,
    shownDefault: '0 (off)',
    parse: integer(0, 65535),
    description:
      "`APP_ROLE=worker` only: serve `GET /metrics` (the worker metrics and Node's `process_*`/`nodejs_*`) and `GET /health/live` on this port, bound to `HOST`. With `APP_ROLE=all` the worker metrics are on the API's `/metrics` instead; `api` has no worker metrics",
  }),
  otlpEndpoint: optional({
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    group: 'Observability',
    shownDefault: '(empty: tracing off)',
    parse: url(/^https?:\/\/[^/?#]+/, 'must be an http:// or https:// URL'),
    sensitive: URL_WITH_CREDENTIALS,
    description:
      'OTLP/HTTP collector base URL (e.g. `http://jaeger:4318`); spans go to `<endpoint>/v1/traces`. Unset, nothing of the OpenTelemetry SDK is loaded',
  }),
  otlpProtocol: variable({
    env: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    group: 'Observability',
    default: 'http/protobuf',
    shownDefault: '`http/protobuf`',
    parse: oneOf(OTLP_PROTOCOLS),
    description: 'or `http/json`',
  }),
  otelServiceName: optional({
    env: 'OTEL_SERVICE_NAME',
    group: 'Observability',
    shownDefault: '`netorch-api`, `netorch-worker`, `netorch` (all)',
    parse: matching(/^[\w.:-]{1,128}$/, 'must be 1-128 of A-Z a-z 0-9 _ . : -'),
    description: '`service.name` of the spans',
  }),
  ansibleProjectDir: optional({
    env: 'ANSIBLE_PROJECT_DIR',
    group: 'Drivers',
    shownDefault: '(empty: the ansible driver is refused)',
    parse: text,
    description:
      'directory holding the playbooks of the `ansible` driver; a deployment names its playbooks relative to it and cannot leave it',
  }),
  ansiblePlaybookBin: variable({
    env: 'ANSIBLE_PLAYBOOK_BIN',
    group: 'Drivers',
    default: 'ansible-playbook',
    shownDefault: '`ansible-playbook`',
    parse: text,
    description: 'the `ansible-playbook` program the `ansible` driver runs (looked up on `PATH`)',
  }),
  ansibleMaxConcurrentRuns: variable({
    env: 'ANSIBLE_MAX_CONCURRENT_RUNS',
    group: 'Drivers',
    default: 2,
    parse: integer(1, 64),
    description: 'most `ansible-playbook` processes one worker runs at once; further runs wait',
  }),
  publicUrl: optional({
    env: 'PUBLIC_URL',
    group: 'Drivers',
    shownDefault: '`ALERT_EXTERNAL_URL`, else `http://HOST:PORT`',
    parse: (raw) => baseUrl(raw),
    description:
      "netorch's address as an automation endpoint reaches it: the `http` driver's `callback_url` is built on it",
  }),
};

const httpUrlCheck = matching(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL');

/** An http(s) URL that other paths are appended to: checked, trailing slashes dropped. */
export const baseUrl = (raw: string): string => httpUrlCheck(raw).replace(/\/+$/, '');

/** The configuration as far as the independent variables make it. */
export type BaseConfig = {
  -readonly [K in keyof typeof CONFIG_VARIABLES]: ValueOf<(typeof CONFIG_VARIABLES)[K]>;
};
