import { createServer, Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { WorkerMetrics } from './worker-metrics';

/** The paths a worker's metrics port answers; everything else is 404. */
export const WORKER_METRICS_PATHS = ['/metrics', '/health/live'] as const;

/**
 * A worker's own small HTTP server on METRICS_PORT (a worker serves no API): GET /metrics with
 * the process's worker metrics and Node's default process_* / nodejs_* metrics, and GET
 * /health/live for a liveness probe. Plain node:http: nothing of the API is loaded for it.
 */
export async function startWorkerMetricsServer(
  host: string,
  port: number,
  metrics: WorkerMetrics,
): Promise<Server> {
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults });
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/health/live') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"status":"not found"}');
      return;
    }
    Promise.all([defaults.metrics(), metrics.registry.metrics()]).then(
      ([process, worker]) => {
        response
          .writeHead(200, { 'content-type': defaults.contentType, 'cache-control': 'no-store' })
          .end(`${process}\n${worker}`);
      },
      (error: Error) => {
        response.writeHead(500, { 'content-type': 'text/plain' }).end(error.message);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
