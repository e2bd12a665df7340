import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ApiKeyRing, identifyCaller, presentedKey, SCOPE_MEANING, scopeAllows } from './api-keys';
import { errorBody } from './http-exception.filter';
import { IS_PUBLIC } from './public.decorator';

/**
 * API_KEYS: each key has a name and a scope (ro, rw or push); it comes as `X-API-Key` or
 * `Authorization: Bearer`. No or an unknown key is 401, a key outside its scope 403. The key's
 * name goes on the request as `apiKeyName` for the audit trail. With no keys configured the API
 * is open (logged at start).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly ring: ApiKeyRing;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly reflector: Reflector,
  ) {
    this.ring = new ApiKeyRing(config.apiKeys);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.ring.open) return true;
    if (
      this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
        context.getHandler(),
        context.getClass(),
      ])
    )
      return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { apiKeyName?: string }>();
    const caller = identifyCaller(request, this.ring);
    if (!caller.presented) {
      throw new UnauthorizedException(
        'Send an API key in the X-API-Key header or as Authorization: Bearer <key>',
      );
    }
    if (!caller.key) throw new UnauthorizedException('The API key is not valid');
    const { name, scope } = caller.key;
    const route = request.routeOptions.url;
    if (!scopeAllows(scope, request.method, route)) {
      // The route as the API documents it: /deployments/{id}, not Fastify's /deployments/:id.
      const path = route ? route.replace(/:(\w+)/g, '{$1}') : request.url.split('?')[0];
      throw new ForbiddenException(
        `API key "${name}" has scope ${scope} and ${SCOPE_MEANING[scope]}; ${request.method} ${path} needs another key`,
      );
    }
    request.apiKeyName = name;
    return true;
  }
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
  return async (
    request: FastifyRequest & { apiKeyName?: string },
    reply: FastifyReply,
  ): Promise<unknown> => {
    if (ring.open) return;
    const presented =
      presentedKey(request.headers) ?? basicAuthSecret(request.headers.authorization);
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
    request.apiKeyName = key.name;
  };
}
