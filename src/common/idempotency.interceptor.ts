import {
  CallHandler,
  ExecutionContext,
  HttpStatus,
  Injectable,
  NestInterceptor,
  UnprocessableEntityException,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, finalize, from, mergeMap, Observable, of, throwError } from 'rxjs';
import { IDEMPOTENCY_KEY_PATTERN, requestFingerprint } from './idempotency-fingerprint';
import { IdempotencyService } from './idempotency.service';

/**
 * Honours `Idempotency-Key` on every POST: the same key and body from the same API key within
 * 24 h get the first response (status and body) without the work being done again; another
 * body is 422.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly store: IdempotencyService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers['idempotency-key'];
    if (request.method !== 'POST' || header === undefined) return next.handle();
    const key = Array.isArray(header) ? header[0] : header;
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new UnprocessableEntityException(
        'Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID',
      );
    }
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    // The guard names the caller's key; the open API has one shared scope.
    const scope = (request as FastifyRequest & { apiKeyName?: string }).apiKeyName ?? '';
    const path = request.url;
    const fingerprint = requestFingerprint(request.method, path, request.body);
    const status =
      (Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) as number | undefined) ??
      HttpStatus.CREATED;
    return from(this.store.claim(scope, key, fingerprint, request.method, path)).pipe(
      mergeMap((claim) => {
        if (claim.kind === 'replay') {
          void reply.header('idempotent-replayed', 'true');
          return of(claim.body);
        }
        const { lease } = claim;
        return next.handle().pipe(
          mergeMap(async (body: unknown) => {
            await lease.complete(status, body);
            return body;
          }),
          catchError((error: unknown) =>
            from(lease.release().catch(() => undefined)).pipe(
              mergeMap(() => throwError(() => error)),
            ),
          ),
          finalize(() => lease.stopRenewing()),
        );
      }),
    );
  }
}
