import {
  DEFAULT_TELEMETRY,
  DeploymentTelemetry,
  PROMETHEUS_DEFAULTS,
  PrometheusSourceConfig,
  REMOTE_WRITE_DEFAULTS,
  SNMP_DEFAULTS,
  TelemetrySourceName,
} from './telemetry-config';
import type { TelemetryDto, TelemetryResponse } from './telemetry.dto';

/** A telemetry block that the DTO's field checks passed but that does not hold together. */
export class TelemetryConfigError extends Error {}

/**
 * The block as stored: defaults filled in, the source's own block required, regular
 * expressions compiled once to prove them. Throws TelemetryConfigError naming the problem.
 */
export function normalizeTelemetry(dto: TelemetryDto): DeploymentTelemetry {
  const source = dto.source ?? TelemetrySourceName.SIMULATOR;
  const out: DeploymentTelemetry = { source, interval_seconds: dto.interval_seconds ?? null };
  if (source === TelemetrySourceName.SNMP && !dto.snmp) {
    throw new TelemetryConfigError('telemetry.snmp is required with source snmp');
  }
  if (source === TelemetrySourceName.PROMETHEUS && !dto.prometheus) {
    throw new TelemetryConfigError('telemetry.prometheus is required with source prometheus');
  }
  if (dto.snmp) {
    const interfaces = dto.snmp.interfaces ?? SNMP_DEFAULTS.interfaces;
    if (interfaces !== null) {
      try {
        new RegExp(interfaces);
      } catch (error) {
        throw new TelemetryConfigError(
          `telemetry.snmp.interfaces is not a regular expression: ${(error as Error).message}`,
        );
      }
    }
    out.snmp = {
      credential: dto.snmp.credential,
      port: dto.snmp.port ?? SNMP_DEFAULTS.port,
      interfaces,
      timeout_ms: dto.snmp.timeout_ms ?? SNMP_DEFAULTS.timeout_ms,
      retries: dto.snmp.retries ?? SNMP_DEFAULTS.retries,
    };
  }
  if (dto.prometheus) out.prometheus = normalizePrometheus(dto.prometheus);
  if (dto.remote_write) {
    const rw = dto.remote_write;
    out.remote_write = {
      node_label: rw.node_label ?? REMOTE_WRITE_DEFAULTS.node_label,
      node_match: rw.node_match ?? REMOTE_WRITE_DEFAULTS.node_match,
      metrics: { ...REMOTE_WRITE_DEFAULTS.metrics, ...definedOnly(rw.metrics ?? {}) },
    };
  }
  return out;
}

function normalizePrometheus(p: NonNullable<TelemetryDto['prometheus']>): PrometheusSourceConfig {
  const queries = definedOnly(p.queries);
  if (Object.keys(queries).length === 0) {
    throw new TelemetryConfigError(
      'telemetry.prometheus.queries needs at least one of latency_ms, throughput_gbps, error_rate',
    );
  }
  let url: URL;
  try {
    url = new URL(p.url);
  } catch {
    throw new TelemetryConfigError('telemetry.prometheus.url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TelemetryConfigError('telemetry.prometheus.url must be an absolute http(s) URL');
  }
  return {
    url: p.url,
    credential: p.credential ?? null,
    queries,
    node_label: p.node_label ?? PROMETHEUS_DEFAULTS.node_label,
    node_match: p.node_match ?? (PROMETHEUS_DEFAULTS.node_match as 'management_address'),
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The block GET shows: the stored one, or the default (the simulator, every tick). */
export function telemetryView(stored: DeploymentTelemetry | null): TelemetryResponse {
  const t = stored ?? DEFAULT_TELEMETRY;
  const view: TelemetryResponse = { source: t.source, interval_seconds: t.interval_seconds };
  if (t.snmp) view.snmp = { ...t.snmp };
  if (t.prometheus) view.prometheus = { ...t.prometheus };
  if (t.remote_write) view.remote_write = { ...t.remote_write };
  return view;
}
