import { execFileSync } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { join } from 'node:path';
import { deleteQueuePrefix } from '../support/queues';
import { pollUntil } from '../support/poll';
import { freePort, Service, startService } from '../support/service';

const DIST = process.env.NETORCH_DIST ?? join(__dirname, '..', '..', 'dist');

/** OTLP span kinds (SpanKind + 1 on the wire). */
const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  kind: number;
  name: string;
}

interface OtlpJson {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        kind: number;
        name: string;
      }[];
    }[];
  }[];
}

/**
 * A small OTLP/HTTP receiver: POST /v1/traces with a JSON body (OTEL_EXPORTER_OTLP_PROTOCOL=
 * http/json), every span kept with its process's service.name.
 */
function otlpReceiver(): { server: Server; spans: ReceivedSpan[]; requests: string[] } {
  const spans: ReceivedSpan[] = [];
  const requests: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
      const payload = JSON.parse(body) as OtlpJson;
      for (const resource of payload.resourceSpans ?? []) {
        const service =
          resource.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ??
          '';
        for (const scope of resource.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              service,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? '',
              kind: span.kind,
              name: span.name,
            });
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return { server, spans, requests };
}

const prefix = `${process.env.QUEUE_PREFIX}_trace`;
const receiver = otlpReceiver();
let api: Service;
let worker: Service;
let deploymentId: number | undefined;

beforeAll(async () => {
  const port = await freePort();
  await new Promise<void>((resolve) => receiver.server.listen(port, '127.0.0.1', resolve));
  const env = {
    QUEUE_PREFIX: prefix,
    SIM_TIME_SCALE: '0.02',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Export every 200 ms instead of every 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
  api = await startService({ ...env, APP_ROLE: 'api' });
  worker = await startService({ ...env, APP_ROLE: 'worker' });
});

afterAll(async () => {
  if (deploymentId !== undefined) await api?.http.delete(`/deployments/${deploymentId}`);
  await worker?.stop();
  await api?.stop();
  receiver.server.close();
  await deleteQueuePrefix(prefix);
});

describe('OpenTelemetry traces', () => {
  it('follow a create from the API through PostgreSQL and the queue into the worker and its statements', async () => {
    const res = await api.http
      .post('/deployments')
      .send({ name: 'traced-fabric', target_node_count: 3 })
      .expect(201);
    deploymentId = res.body.id;
    const requestId = res.headers['x-request-id'];

    // The API's server span, named after the route.
    const root = await pollUntil(
      () =>
        receiver.spans.find(
          (s) => s.service === 'netorch-api' && s.kind === SERVER && s.name === 'POST /deployments',
        ),
      'the API span of the create',
    );
    const inTrace = () => receiver.spans.filter((s) => s.traceId === root.traceId);
    // The worker's job attempt: a child of the API's enqueue, read from the job's data.
    const consumer = await pollUntil(
      () => inTrace().find((s) => s.service === 'netorch-worker' && s.kind === CONSUMER),
      'a worker job span in the same trace',
    );
    const producer = inTrace().find((s) => s.spanId === consumer.parentSpanId);
    expect(producer).toEqual(
      expect.objectContaining({ service: 'netorch-api', kind: PRODUCER, traceId: root.traceId }),
    );
    // The job's statements are the job span's children.
    await pollUntil(
      () =>
        inTrace().some((s) => s.parentSpanId === consumer.spanId && s.name.startsWith('pg.query'))
          ? true
          : undefined,
      'the job statements',
    );
    const apiStatements = inTrace().filter(
      (s) => s.service === 'netorch-api' && s.name.startsWith('pg.query'),
    );
    expect(apiStatements.length).toBeGreaterThan(0);
    expect(apiStatements.every((s) => s.parentSpanId === root.spanId)).toBe(true);
    expect(new Set(inTrace().map((s) => s.service))).toEqual(
      new Set(['netorch-api', 'netorch-worker']),
    );
    expect(receiver.requests[0]).toMatch(/^POST \/v1\/traces application\/json/);

    // The request's log lines carry the trace, so a log line leads to its trace.
    const access = api
      .logs()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.request_id === requestId && l.msg === 'request completed');
    expect(access).toEqual(expect.objectContaining({ trace_id: root.traceId }));
  });

  it('loads nothing of the OpenTelemetry SDK when OTEL_EXPORTER_OTLP_ENDPOINT is unset', () => {
    // What main.ts loads before it reads the configuration, and the whole application.
    const script = `
      require(${JSON.stringify(join(DIST, 'observability', 'tracing-bootstrap.js'))});
      require(${JSON.stringify(join(DIST, 'app.factory.js'))});
      const sdk = Object.keys(require.cache).filter((p) =>
        /@opentelemetry[\\/\\\\](sdk-|instrumentation|exporter-|resources|core)|bullmq-otel/.test(p));
      process.stdout.write(JSON.stringify(sdk));`;
    const sdkModules = (endpoint: string | undefined): string[] => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        NODE_PATH: join(__dirname, '..', '..', 'node_modules'),
      };
      delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
      if (endpoint) env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint;
      return JSON.parse(execFileSync(process.execPath, ['-e', script], { env }).toString());
    };
    expect(sdkModules(undefined)).toEqual([]);
    // The same script sees the SDK when tracing is on, so the check above can fail.
    expect(sdkModules('http://127.0.0.1:4318').length).toBeGreaterThan(0);
  });
});
