import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ApiKeyRing, identifyCaller, SCOPE_MEANING, scopeAllows } from './api-keys';
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
