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
import { timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { IS_PUBLIC } from './public.decorator';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * API_KEYS: `key:rw` may do anything, `key:ro` may only read. Keys come as `X-API-Key` or
 * `Authorization: Bearer`. With no keys configured the API is open (logged at start).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.config.apiKeys.length === 0) return true;
    if (
      this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
        context.getHandler(),
        context.getClass(),
      ])
    )
      return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers['x-api-key'];
    const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const presented = (Array.isArray(header) ? header[0] : header) ?? bearer;
    if (!presented) throw new UnauthorizedException('Send an API key in the X-API-Key header');
    const match = this.config.apiKeys.find((k) => sameKey(k.key, presented));
    if (!match) throw new UnauthorizedException('The API key is not valid');
    if (match.access === 'ro' && !READ_METHODS.has(request.method)) {
      throw new ForbiddenException('This API key may only read; use a key with rw access');
    }
    return true;
  }
}
