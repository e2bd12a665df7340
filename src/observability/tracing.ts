import type { Telemetry } from 'bullmq';

/** OTLP over HTTP: protobuf (the OpenTelemetry default) or JSON. */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/** What the rest of the service uses of tracing once it runs. */
export interface ActiveTracing {
  /** Given to BullMQ: a span per add and per job attempt, the context carried in the job. */
  readonly queueTelemetry: Telemetry;
  /** The trace and span of the code running now, for log lines. */
  traceFields(): { trace_id: string; span_id: string } | undefined;
  /** Names the HTTP server span after the route pattern (`GET /deployments/:id`). */
  nameHttpSpan(method: string, route: string): void;
  /** Sends the spans still buffered. */
  flush(): Promise<void>;
  /** Where OpenTelemetry's own warnings (an export that failed) go once the logger exists. */
  logWarningsTo(warn: (message: string) => void): void;
}

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL; traces go to `<endpoint>/v1/traces`. */
  endpoint: string;
  protocol: OtlpProtocol;
  serviceName: string;
  role: string;
}

let active: ActiveTracing | undefined;

/**
 * Tracing options from the environment, or undefined when OTEL_EXPORTER_OTLP_ENDPOINT is unset
 * (or not a URL: the configuration check then stops the process naming it).
 */
export function tracingOptionsFrom(env: NodeJS.ProcessEnv): TracingOptions | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint || !URL.canParse(endpoint)) return undefined;
  const protocol = (env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() || 'http/protobuf') as OtlpProtocol;
  if (!OTLP_PROTOCOLS.includes(protocol)) return undefined;
  const role = env.APP_ROLE?.trim() || 'all';
  const serviceName =
    env.OTEL_SERVICE_NAME?.trim() || (role === 'all' ? 'netorch' : `netorch-${role}`);
  return { endpoint, protocol, serviceName, role };
}

/**
 * Starts OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is set. It must run before `http` and
 * `pg` are first required (main.ts imports it first), so their instrumentations can hook them.
 * Without the variable nothing of OpenTelemetry is loaded: the SDK is required only here.
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): ActiveTracing | undefined {
  if (active) return active;
  const options = tracingOptionsFrom(env);
  if (!options) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startOpenTelemetry } = require('./otel') as typeof import('./otel');
  active = startOpenTelemetry(options);
  return active;
}

/** The running tracing, or undefined when it is off. */
export function activeTracing(): ActiveTracing | undefined {
  return active;
}
