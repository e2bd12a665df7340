import type { INestApplication } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import {
  ApiKeyRing,
  BOUND_FILTERED_LISTS,
  boundKeyProblem,
  filterForBoundKey,
  identifyCaller,
  presentedKey,
  SCOPE_MEANING,
  scopeAllows,
} from './api-keys';
import { RequestWithKey } from './caller-key.decorator';
import { errorBody } from './http-exception.filter';
import { IS_PUBLIC } from './public.decorator';

type KeyedRequest = FastifyRequest & { apiKeyName?: string } & RequestWithKey;

/** The route config key by which a controller route asks for the API key check. */
const NEEDS_KEY = 'netorchApiKey';

/**
 * API_KEYS: each key has a name and a scope (ro, rw or push); it comes as `X-API-Key` or
 * `Authorization: Bearer`. No or an unknown key is 401, a key outside its scope 403. The key's
 * name goes on the request as `apiKeyName` for the audit trail. With no keys configured the API
 * is open (logged at start).
 *
 * The check is an onRequest hook of every controller route that is not `@Public()`, so a
 * refused request is answered from its headers alone, before its body is read: a Nest guard
 * would run only after Fastify had read and parsed the body (up to 8 MiB on the telemetry
 * push). Fastify's own routes (static files, API docs, the queue UI with its own check) get no
 * hook. Call before `app.init()`, which registers the controller routes.
 */
export function registerApiKeyCheck(
  app: INestApplication,
  fastify: FastifyInstance,
  ring: ApiKeyRing,
): void {
  if (ring.open) return;
  markControllerRoutes(app);
  const check: onRequestHookHandler = (request, reply, done) => {
    const refusal = refuse(request as KeyedRequest, ring);
    if (refusal === null) return done();
    void reply
      .code(refusal.status)
      .header('content-type', 'application/json; charset=utf-8')
      .send(errorBody(refusal.status, refusal.detail));
  };
  fastify.addHook('onRoute', (route) => {
    if ((route.config as Record<string, unknown> | undefined)?.[NEEDS_KEY] !== true) return;
    const own = route.onRequest;
    route.onRequest = own === undefined ? [check] : [...(Array.isArray(own) ? own : [own]), check];
    if (BOUND_FILTERED_LISTS.includes(route.url) && [route.method].flat().includes('GET')) {
      const sent = route.onSend;
      const list = sent === undefined ? [] : Array.isArray(sent) ? sent : [sent];
      route.onSend = [...list, boundListFilter];
    }
  });
}

/** A fleet list answered to a key bound to fabrics keeps only its deployments' items. */
const boundListFilter = (
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (error: Error | null, payload?: unknown) => void,
) => {
  const deployments = (request as KeyedRequest).callerKey?.deployments;
  if (!deployments || reply.statusCode !== 200 || typeof payload !== 'string') {
    return done(null, payload);
  }
  done(null, JSON.stringify(filterForBoundKey(JSON.parse(payload), deployments)));
};

/**
 * Gives every controller route a Fastify route config saying whether it needs a key: Nest
 * passes a method's `@RouteConfig` metadata on to the route it registers, which is the one
 * place where the onRoute hook can tell a controller route, and a public one, from the rest.
 */
function markControllerRoutes(app: INestApplication): void {
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const method = prototype[name];
        if (typeof method !== 'function' || name === 'constructor') continue;
        if (Reflect.getMetadata(PATH_METADATA, method) === undefined) continue;
        const open =
          Reflect.getMetadata(IS_PUBLIC, method) === true ||
          Reflect.getMetadata(IS_PUBLIC, controller) === true;
        const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, method) ?? {}) as object;
        Reflect.defineMetadata(
          FASTIFY_ROUTE_CONFIG_METADATA,
          { ...config, [NEEDS_KEY]: !open },
          method,
        );
      }
    }
  }
}

/** Why the request may not go on (status and detail), or null when its key admits it. */
function refuse(
  request: KeyedRequest,
  ring: ApiKeyRing,
): { status: 401 | 403; detail: string } | null {
  const caller = identifyCaller(request, ring);
  if (!caller.presented) {
    return {
      status: 401,
      detail: 'Send an API key in the X-API-Key header or as Authorization: Bearer <key>',
    };
  }
  if (!caller.key) return { status: 401, detail: 'The API key is not valid' };
  const { name, scope } = caller.key;
  const route = request.routeOptions.url;
  if (!scopeAllows(scope, request.method, route)) {
    // The route as the API documents it: /deployments/{id}, not Fastify's /deployments/:id.
    const path = route ? route.replace(/:(\w+)/g, '{$1}') : request.url.split('?')[0];
    return {
      status: 403,
      detail: `API key "${name}" has scope ${scope} and ${SCOPE_MEANING[scope]}; ${request.method} ${path} needs another key`,
    };
  }
  const bound = caller.key.deployments;
  const outside =
    bound &&
    boundKeyProblem(
      bound,
      request.method,
      route,
      request.params as Record<string, unknown>,
      request.query as Record<string, unknown>,
    );
  if (bound && outside) {
    return {
      status: 403,
      detail: `API key "${name}" is bound to deployment${bound.length > 1 ? 's' : ''} ${bound.join(', ')}: ${outside}`,
    };
  }
  request.apiKeyName = name;
  request.callerKey = { scope, deployments: bound };
  return null;
}

/** The secret of `Authorization: Basic base64(name:secret)`, as a browser sends it after a prompt. */
function basicAuthSecret(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(value ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const secret = colon >= 0 ? decoded.slice(colon + 1) : decoded;
  return secret === '' ? undefined : secret;
}

/**
 * The queue UI (bull-board at /queues) is served by Fastify routes of its own, which Nest's
 * guards never see: this onRequest hook checks them instead. With API_KEYS set it takes only an
 * `rw` key (the UI can retry, promote and remove jobs), sent as `X-API-Key`, `Authorization:
 * Bearer`, or as the password of `Authorization: Basic` so a browser can open the page: a 401
 * asks the browser for it (`WWW-Authenticate: Basic`; any user name, the key as password).
 */
export function queueBoardKeyCheck(ring: ApiKeyRing) {
  const deny = (reply: FastifyReply, status: 401 | 403, detail: string) => {
    if (status === 401) void reply.header('www-authenticate', 'Basic realm="netorch queues"');
    return reply
      .code(status)
      .header('content-type', 'application/json')
      .send(errorBody(status, detail));
  };
  return async (request: KeyedRequest, reply: FastifyReply): Promise<unknown> => {
    if (ring.open) return;
    const header = presentedKey(request.headers);
    const presented = header ?? basicAuthSecret(request.headers.authorization);
    if (!presented) {
      return deny(
        reply,
        401,
        'The queue UI needs an rw API key: X-API-Key, Authorization: Bearer, or the password of Basic authentication',
      );
    }
    const key = ring.find(presented);
    if (!key) return deny(reply, 401, 'The API key is not valid');
    if (key.scope !== 'rw') {
      return deny(
        reply,
        403,
        `API key "${key.name}" has scope ${key.scope} and ${SCOPE_MEANING[key.scope]}; the queue UI (/queues) needs an rw key`,
      );
    }
    // A browser sends Basic credentials by itself, whichever page asks: a change must come
    // from the board's own pages.
    if (header === undefined && !sameOrigin(request)) {
      return deny(
        reply,
        403,
        `${request.method} ${QUEUE_UI} from another origin: with Basic authentication the queue UI takes changes only from its own pages (Origin or Referer of this host); send the key as X-API-Key from elsewhere`,
      );
    }
    request.apiKeyName = key.name;
  };
}

const QUEUE_UI = 'the queue UI';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether a request is safe, or its Origin (else Referer) names the host it was sent to. */
export function sameOrigin(request: {
  method: string;
  headers: { origin?: string; referer?: string; host?: string };
}): boolean {
  if (SAFE_METHODS.has(request.method)) return true;
  const from = request.headers.origin ?? request.headers.referer;
  if (!from || from === 'null' || !request.headers.host) return false;
  try {
    return new URL(from).host.toLowerCase() === request.headers.host.toLowerCase();
  } catch {
    return false;
  }
}
