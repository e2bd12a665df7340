import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Redis from 'ioredis';
import { ApiKeyRing, identifyCaller } from './api-keys';
import { Allowance, secondsLeft, sliceOf, SLICES } from './rate-allowance';
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

/**
 * Adds each asked slice to its client's count in one round trip and answers, per key, the new
 * total and the milliseconds left of its window. A count's first INCRBY starts its window: the key
 * expires when the window ends, and the next request starts a new one.
 */
const LEASE_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local asked = tonumber(ARGV[2 * i - 1])
  local total = redis.call('INCRBY', key, asked)
  if total == asked then redis.call('PEXPIRE', key, ARGV[2 * i]) end
  out[2 * i - 1] = total
  out[2 * i] = redis.call('PTTL', key)
end
return out`;

export interface RateLimitOptions {
  perMinute: number;
  /** Requests within one second; 0 = no per-second window. */
  burst: number;
  redis: Redis;
  /** Redis key prefix (QUEUE_PREFIX), so separate deployments and test runs never share counts. */
  prefix: string;
  ring: ApiKeyRing;
}

type LeasingRedis = Redis & {
  netorchRateLease(keyCount: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
};

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

/** One limit: at most `max` requests per client in each window of `lengthMs`. */
class Limit {
  readonly slice: number;
  private readonly allowances = new Map<string, Allowance>();
  private sweptAt = 0;

  constructor(
    readonly per: 'minute' | 'second',
    readonly lengthMs: number,
    readonly max: number,
    private readonly keyPrefix: string,
  ) {
    this.slice = sliceOf(max, SLICES[per]);
  }

  /** The client's allowance; once per window length, allowances of ended windows are dropped. */
  allowance(client: string, now: number): Allowance {
    if (now - this.sweptAt >= this.lengthMs) {
      this.sweptAt = now;
      for (const [id, allowance] of this.allowances) {
        if (allowance.endsAt <= now && !allowance.lease) this.allowances.delete(id);
      }
    }
    let allowance = this.allowances.get(client);
    if (!allowance) this.allowances.set(client, (allowance = new Allowance()));
    return allowance.at(now);
  }

  key(client: string): string {
    return this.keyPrefix + client;
  }
}

/**
 * Limits every request but the probes, metrics and dashboard files, before its body is read:
 * at most `perMinute` per client per minute and `burst` within any one second (fixed windows,
 * counted in Redis and shared by every replica; each replica spends slices of the count locally,
 * see rate-allowance.ts). Excess gets 429 JSON with Retry-After. When Redis cannot answer,
 * requests go through (logged once a minute): the limiter protects the service and must never be
 * the reason it fails.
 */
export function registerRateLimits(
  fastify: FastifyInstance,
  options: RateLimitOptions,
  logger = new Logger('RateLimit'),
): void {
  const redis = options.redis as LeasingRedis;
  redis.defineCommand('netorchRateLease', { lua: LEASE_SCRIPT });
  const limits = [
    new Limit('minute', 60_000, options.perMinute, `${options.prefix}:ratelimit:minute:`),
  ];
  if (options.burst > 0) {
    limits.push(new Limit('second', 1000, options.burst, `${options.prefix}:ratelimit:second:`));
  }
  let warnedAt = -Infinity;

  /** One round trip that asks a slice of every window in `needy` whose allowance ran out. */
  type Held = { limit: Limit; allowance: Allowance };
  const lease = (client: string, needy: Held[]): Promise<void> => {
    const keys = needy.map(({ limit }) => limit.key(client));
    const asks = needy.map(({ limit, allowance }) => allowance.nextAsk(limit.slice));
    const args = needy.flatMap(({ limit }, i) => [asks[i], limit.lengthMs]);
    const done = redis
      .netorchRateLease(keys.length, ...keys, ...args)
      .then((answer) => {
        const now = Date.now();
        needy.forEach(({ limit, allowance }, i) =>
          allowance.add(now, Number(answer[2 * i]), Number(answer[2 * i + 1]), asks[i], limit.max),
        );
      })
      .finally(() => needy.forEach(({ allowance }) => (allowance.lease = undefined)));
    needy.forEach(({ allowance }) => (allowance.lease = done));
    return done;
  };

  const refuse = (reply: FastifyReply, label: string, spent: Held[], now: number) => {
    const retryAfter = Math.max(...spent.map((h) => secondsLeft(now, h.allowance.endsAt)));
    const limitsText = spent.map((h) => `${h.limit.max} requests per ${h.limit.per}`).join(' and ');
    if (spent.some((h) => h.limit === limits[0])) {
      void reply.header('x-ratelimit-limit', limits[0].max);
      void reply.header('x-ratelimit-remaining', 0);
    }
    void reply
      .code(429)
      .header('retry-after', String(retryAfter))
      .header('content-type', 'application/json')
      .send(
        errorBody(
          429,
          `Rate limit exceeded for ${label} (at most ${limitsText}); retry in ${retryAfter} s`,
        ),
      );
  };

  /** Spends a token of every window, leasing more first when one ran out; calls `next` to go on. */
  const admit = (request: FastifyRequest, reply: FastifyReply, next: () => void): void => {
    const client = rateLimitClient(request, options.ring);
    const now = Date.now();
    const held = limits.map((limit) => ({ limit, allowance: limit.allowance(client.id, now) }));
    const spent = held.filter((h) => h.allowance.spent);
    if (spent.length > 0) return refuse(reply, client.label, spent, now);
    const needy = held.filter((h) => h.allowance.tokens === 0);
    if (needy.length === 0) {
      held.forEach((h) => h.allowance.tokens--);
      return next();
    }
    const inFlight = needy.map((h) => h.allowance.lease).filter((l) => l !== undefined);
    const waiting = inFlight.length > 0 ? Promise.all(inFlight) : lease(client.id, needy);
    waiting.then(
      () => admit(request, reply, next),
      (error: Error) => {
        if (Date.now() - warnedAt > WARN_EVERY_MS) {
          warnedAt = Date.now();
          logger.warn(`Rate limits are not enforced: Redis did not answer (${error.message})`);
        }
        next();
      },
    );
  };

  // A callback hook: the common case (a token in hand) costs no promise and no round trip.
  fastify.addHook('onRequest', (request, reply, done) => {
    if (UNLIMITED_ROUTES.has(request.routeOptions.url ?? '')) return done();
    admit(request, reply, done);
  });
}
