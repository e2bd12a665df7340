import rateLimit from '@fastify/rate-limit';
import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Redis from 'ioredis';
import { ApiKeyRing, identifyCaller } from './api-keys';
import { errorBody } from './http-exception.filter';

/** Never limited: the probes, the Prometheus scrape and the dashboard's static files. */
export const UNLIMITED_ROUTES: ReadonlySet<string> = new Set([
  '/health',
  '/health/live',
  '/health/ready',
  '/metrics',
  '/',
  '/dashboard/:file',
]);

/** How often a limiter that cannot reach Redis says so (it lets requests through meanwhile). */
const WARN_EVERY_MS = 60_000;

const CLIENT = Symbol('netorch.rateLimitClient');
type Limited = FastifyRequest & { [CLIENT]?: { id: string; label: string } };

type Check = ReturnType<FastifyInstance['createRateLimit']>;
type CheckResult = Awaited<ReturnType<Check>>;

export interface RateLimitOptions {
  perMinute: number;
  /** Requests within one second; 0 = no per-second window. */
  burst: number;
  redis: Redis;
  /** Redis key prefix (QUEUE_PREFIX), so separate deployments and test runs never share counts. */
  prefix: string;
  ring: ApiKeyRing;
}

/** Counted per API key name; per client address for the open API and for unknown keys. */
export function rateLimitClient(
  request: FastifyRequest,
  ring: ApiKeyRing,
): { id: string; label: string } {
  const key = ring.open ? undefined : identifyCaller(request, ring).key;
  return key
    ? { id: `key:${key.name}`, label: `API key "${key.name}"` }
    : { id: `ip:${request.ip}`, label: `client ${request.ip}` };
}

/**
 * One fixed-window counter in Redis (@fastify/rate-limit's store, shared by every replica), in a
 * plugin scope of its own so each window keeps its own key namespace.
 */
async function counter(
  fastify: FastifyInstance,
  redis: Redis,
  nameSpace: string,
  max: number,
  timeWindow: number,
): Promise<Check> {
  let check: Check | undefined;
  await fastify.register(async (scope) => {
    await scope.register(rateLimit, {
      global: false,
      redis,
      nameSpace,
      max,
      timeWindow,
      keyGenerator: (request) => (request as Limited)[CLIENT]!.id,
    });
    check = scope.createRateLimit();
  });
  return check!;
}

/**
 * Limits every request but the probes, metrics and dashboard files, before its body is read:
 * at most `perMinute` per client per minute and `burst` within any one second. Excess gets 429
 * JSON with Retry-After. When Redis cannot answer, requests go through (logged once a minute):
 * the limiter protects the service and must never be the reason it fails.
 */
export async function registerRateLimits(
  fastify: FastifyInstance,
  options: RateLimitOptions,
  logger = new Logger('RateLimit'),
): Promise<void> {
  const windows: { check: Check; per: string }[] = [
    {
      check: await counter(
        fastify,
        options.redis,
        `${options.prefix}:ratelimit:minute:`,
        options.perMinute,
        60_000,
      ),
      per: 'minute',
    },
  ];
  if (options.burst > 0) {
    windows.push({
      check: await counter(
        fastify,
        options.redis,
        `${options.prefix}:ratelimit:second:`,
        options.burst,
        1000,
      ),
      per: 'second',
    });
  }
  let warnedAt = -Infinity;
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (UNLIMITED_ROUTES.has(request.routeOptions.url ?? '')) return;
    const client = rateLimitClient(request, options.ring);
    (request as Limited)[CLIENT] = client;
    let results: CheckResult[];
    try {
      results = await Promise.all(windows.map((w) => w.check(request)));
    } catch (error) {
      if (Date.now() - warnedAt > WARN_EVERY_MS) {
        warnedAt = Date.now();
        logger.warn(
          `Rate limits are not enforced: Redis did not answer (${(error as Error).message})`,
        );
      }
      return;
    }
    const minute = results[0];
    if (!minute.isAllowed) {
      void reply.header('x-ratelimit-limit', minute.max);
      void reply.header('x-ratelimit-remaining', minute.remaining);
    }
    const exceeded = windows.flatMap((w, i) => {
      const r = results[i];
      return !r.isAllowed && r.isExceeded
        ? [{ per: w.per, max: r.max, after: r.ttlInSeconds }]
        : [];
    });
    if (exceeded.length === 0) return;
    const retryAfter = Math.max(1, ...exceeded.map((e) => e.after));
    const limits = exceeded.map((e) => `${e.max} requests per ${e.per}`).join(' and ');
    return reply
      .code(429)
      .header('retry-after', String(retryAfter))
      .header('content-type', 'application/json')
      .send(
        errorBody(
          429,
          `Rate limit exceeded for ${client.label} (at most ${limits}); retry in ${retryAfter} s`,
        ),
      );
  });
}
