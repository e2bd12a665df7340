import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { runWithLogContext } from './log-context';
import { activeTracing } from './tracing';

/** Probes and scrapes arrive every few seconds: their access lines are debug. */
const QUIET_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * One access line per request (method, url, route, status, duration) on Fastify's request
 * logger, which carries the request's id as `request_id`; and the request id in the log context
 * of everything that serves it, so a line Nest's Logger writes in a guard, service or filter
 * carries it too. Registered before any other hook.
 */
export function registerRequestLogging(fastify: FastifyInstance): void {
  const tracing = activeTracing();
  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    if (tracing && route) tracing.nameHttpSpan(request.method, route);
    runWithLogContext({ request_id: request.id }, done);
  });
  // Callback hooks rather than async ones: an async hook costs promises on every request, and
  // each promise is dearer while the log context (AsyncLocalStorage) tracks them.
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    const level = QUIET_ROUTES.has(route ?? '')
      ? 'debug'
      : reply.statusCode >= 500
        ? 'warn'
        : 'info';
    // The line's fields are built only when the level is written.
    if (!(request.log as Logger).isLevelEnabled(level)) return done();
    request.log[level](
      {
        method: request.method,
        url: request.url,
        route: route ?? null,
        status_code: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 10) / 10,
        remote_address: request.ip,
      },
      'request completed',
    );
    done();
  });
}
