/** Where a deployment's samples come from. */
export enum TelemetrySourceName {
  /** Today's generated samples (the default). */
  SIMULATOR = 'simulator',
  /** No scheduled collection: pushed and remote-written samples only. */
  PUSH = 'push',
  SNMP = 'snmp',
  PROMETHEUS = 'prometheus',
}

export const TELEMETRY_SOURCES = Object.values(TelemetrySourceName);

/** Per-deployment collection intervals, in seconds. */
export const MIN_INTERVAL_SECONDS = 5;
export const MAX_INTERVAL_SECONDS = 3600;

/** How an SNMP deployment polls its nodes; the credential is a reference, never a secret. */
export interface SnmpSourceConfig {
  /** Id of an snmp-v2c or snmp-v3 credential. */
  credential: number;
  port: number;
  /** A regular expression on ifName; null: every interface that is up and not a software loopback. */
  interfaces: string | null;
  timeout_ms: number;
  retries: number;
}

export type PrometheusNodeMatch = 'management_address' | 'hostname' | 'node_id';

export interface PrometheusSourceConfig {
  url: string;
  /** Id of a bearer credential, or null. */
  credential: number | null;
  queries: { latency_ms?: string; throughput_gbps?: string; error_rate?: string };
  node_label: string;
  node_match: PrometheusNodeMatch;
}

export interface RemoteWriteConfig {
  node_label: string;
  node_match: PrometheusNodeMatch;
  metrics: { latency_ms: string; throughput_gbps: string; error_rate: string };
}

/**
 * A deployment's telemetry as stored (deployments.telemetry, jsonb): null there means the
 * default, the simulator on every tick. `interval_seconds` null: TELEMETRY_INTERVAL_MS.
 */
export interface DeploymentTelemetry {
  source: TelemetrySourceName;
  interval_seconds: number | null;
  snmp?: SnmpSourceConfig;
  prometheus?: PrometheusSourceConfig;
  remote_write?: RemoteWriteConfig;
}

export const SNMP_DEFAULTS = { port: 161, interfaces: null, timeout_ms: 1000, retries: 1 };
export const PROMETHEUS_DEFAULTS = { node_label: 'instance', node_match: 'management_address' };
export const REMOTE_WRITE_DEFAULTS: RemoteWriteConfig = {
  node_label: 'node',
  node_match: 'hostname',
  metrics: {
    latency_ms: 'netorch:latency_ms',
    throughput_gbps: 'netorch:throughput_gbps',
    error_rate: 'netorch:error_rate',
  },
};

/** The telemetry of a deployment that never set one. */
export const DEFAULT_TELEMETRY: DeploymentTelemetry = {
  source: TelemetrySourceName.SIMULATOR,
  interval_seconds: null,
};

/**
 * Whether a deployment collecting every `intervalMs` is due at the tick `tickAt` of a scheduler
 * that ticks every `tickMs`: it is when an interval boundary falls in (tickAt - tickMs, tickAt].
 * An interval shorter than the tick collects on every tick.
 */
export function isDue(tickAt: number, tickMs: number, intervalMs: number | null): boolean {
  if (intervalMs === null || intervalMs <= tickMs) return true;
  return Math.floor(tickAt / intervalMs) !== Math.floor((tickAt - tickMs) / intervalMs);
}
