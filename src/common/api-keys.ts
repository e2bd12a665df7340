import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiKey, ApiKeyScope } from '../config/app-config';

/** The routes a `push` key may call: the device telemetry push and remote write, nothing else. */
export const PUSH_ROUTES: readonly { method: string; url: string }[] = [
  { method: 'POST', url: '/deployments/:id/telemetry' },
  { method: 'POST', url: '/deployments/:id/telemetry/remote-write' },
];

const READ_METHODS = new Set(['GET', 'HEAD']);

/** Whether a key of this scope may call this method on this route pattern. */
export function scopeAllows(scope: ApiKeyScope, method: string, routeUrl: string | undefined) {
  if (scope === 'rw') return true;
  if (scope === 'ro') return READ_METHODS.has(method);
  return PUSH_ROUTES.some((route) => route.method === method && route.url === routeUrl);
}

/** What each scope may do, for 403 messages. */
export const SCOPE_MEANING: Record<ApiKeyScope, string> = {
  rw: 'may do anything',
  ro: 'may only read (GET)',
  push: 'may only push telemetry (POST /deployments/{id}/telemetry and .../telemetry/remote-write)',
};

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The key a request presents: `X-API-Key`, else `Authorization: Bearer <key>`. */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const header = first(headers['x-api-key'])?.trim();
  if (header) return header;
  const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(first(headers.authorization) ?? '');
  return bearer?.[1];
}

/**
 * The configured keys, looked up in constant time: the presented key and every secret are
 * compared as HMAC-SHA256 digests under a per-process random key, so neither a secret's
 * length nor its first differing byte changes how long a lookup takes, and every key is
 * compared on every lookup.
 */
export class ApiKeyRing {
  private readonly hmacKey = randomBytes(32);
  private readonly digests: { key: ApiKey; digest: Buffer }[];

  constructor(keys: readonly ApiKey[]) {
    this.digests = keys.map((key) => ({ key, digest: this.digest(key.secret) }));
  }

  get open(): boolean {
    return this.digests.length === 0;
  }

  find(presented: string): ApiKey | undefined {
    const digest = this.digest(presented);
    let found: ApiKey | undefined;
    for (const entry of this.digests) {
      if (timingSafeEqual(entry.digest, digest)) found = entry.key;
    }
    return found;
  }

  private digest(value: string): Buffer {
    return createHmac('sha256', this.hmacKey).update(value).digest();
  }
}

/** Who a request is, as far as its headers say; looked up once per request. */
export interface Caller {
  /** A key was sent (maybe an unknown one). */
  presented: boolean;
  key?: ApiKey;
}

const CALLER = Symbol('netorch.caller');

/** The request's caller, identified on first use and remembered on the request. */
export function identifyCaller(
  request: { headers: IncomingHttpHeaders; [CALLER]?: Caller },
  ring: ApiKeyRing,
): Caller {
  let caller = request[CALLER];
  if (!caller) {
    const presented = presentedKey(request.headers);
    caller = {
      presented: presented !== undefined,
      key: presented ? ring.find(presented) : undefined,
    };
    request[CALLER] = caller;
  }
  return caller;
}

/** The routes of one deployment: `/deployments/:id` and everything under it. */
const DEPLOYMENT_ROUTE = /^\/deployments\/:id(\/|$)/;

/** Fleet lists whose items a bound key sees only for its deployments (filtered as sent). */
export const BOUND_FILTERED_LISTS: readonly string[] = ['/deployments', '/alerts'];

/**
 * Why a key bound to `deployments` may not make this request, or null. It may call any route
 * of its own deployments (as its scope allows) and read fleet lists (filtered to its
 * deployments, or naming one of them in `deployment_id`); it may change nothing outside a
 * deployment's routes, so it creates no deployment, receiver, credential or silence.
 */
export function boundKeyProblem(
  deployments: readonly number[],
  method: string,
  routeUrl: string | undefined,
  params: Record<string, unknown>,
  query: Record<string, unknown>,
): string | null {
  const route = routeUrl ?? '';
  if (DEPLOYMENT_ROUTE.test(route)) {
    const id = Number(params.id);
    return deployments.includes(id) ? null : `deployment ${String(params.id)} is not one of them`;
  }
  if (!READ_METHODS.has(method)) {
    return `${method} ${route.replace(/:(\w+)/g, '{$1}')} is outside its deployments`;
  }
  const named = query.deployment_id;
  if (named !== undefined && named !== '' && !deployments.includes(Number(named))) {
    return `deployment_id=${String(named)} is not one of them`;
  }
  return null;
}

/** A fleet list's JSON items kept for a bound key: those of its deployments. */
export function filterForBoundKey(items: unknown, deployments: readonly number[]): unknown {
  if (!Array.isArray(items)) return items;
  return items.filter((item: { deployment_id?: unknown; id?: unknown }) =>
    deployments.includes(Number(item.deployment_id ?? item.id)),
  );
}
