import { context, diag, DiagLogLevel, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { BullMQOtel } from 'bullmq-otel';
import { hostname } from 'node:os';
import type { ActiveTracing, TracingOptions } from './tracing.types';

/** Requests not worth a trace: probes and scrapes arrive every few seconds. */
const UNTRACED_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * The OpenTelemetry SDK: HTTP server spans (named after the route), PostgreSQL statements of a
 * request or job, and BullMQ's own spans (bullmq-otel), whose context travels in the job, so a
 * create, its enqueue, the worker's job and the job's statements share one trace. Loaded only by
 * startTracing, when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export function startOpenTelemetry(options: TracingOptions): ActiveTracing {
  const url = `${options.endpoint.replace(/\/+$/, '')}/v1/traces`;
  const exporter =
    options.protocol === 'http/json' ? new JsonExporter({ url }) : new ProtobufExporter({ url });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      'service.instance.id': `${hostname()}:${process.pid}`,
      'netorch.role': options.role,
    }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // The AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  // Until the process's logger exists (it is created after this), warnings go to stderr.
  let warn = (message: string): void => {
    process.stderr.write(`OpenTelemetry: ${message}\n`);
  };
  diag.setLogger(
    {
      error: (message) => warn(message),
      warn: (message) => warn(message),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    DiagLogLevel.WARN,
  );
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) =>
          UNTRACED_PATHS.has((request.url ?? '').split('?')[0]),
        // Outgoing HTTP is only the exporter's own requests.
        disableOutgoingRequestInstrumentation: true,
      }),
      // Only statements of a request or a job, never the pool's idle chatter.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  const queueTelemetry = new BullMQOtel({ tracerName: 'netorch-bullmq' });
  return {
    queueTelemetry,
    traceFields() {
      const span = trace.getSpan(context.active());
      if (!span) return undefined;
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
    nameHttpSpan(method, route) {
      const span = trace.getSpan(context.active());
      span?.updateName(`${method} ${route}`);
      span?.setAttribute('http.route', route);
    },
    flush: () => provider.forceFlush(),
    logWarningsTo(sink) {
      warn = sink;
    },
  };
}
