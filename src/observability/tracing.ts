// OTLP over HTTP: protobuf (the OpenTelemetry default) or JSON.
import type { ActiveTracing, TracingOptions } from './tracing.types';
import { OTLP_PROTOCOLS, type OtlpProtocol } from '../config/otlp';

export { OTLP_PROTOCOLS, type OtlpProtocol };
export type { ActiveTracing, TracingOptions };

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
