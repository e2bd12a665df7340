import type { Telemetry } from 'bullmq';
import type { OtlpProtocol } from '../config/otlp';

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
