import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * Who asked for a change and under which request: every audit event an API change writes
 * carries both. `actor` is the name of the API key the request presented (null when the API
 * is open); the key check (common/api-key.hooks.ts) puts it on the request as `apiKeyName`.
 */
export interface AuditContext {
  requestId: string | null;
  actor: string | null;
}

/** The request's audit context, for services that write events or enqueue work. */
export const Audit = createParamDecorator((_: unknown, ctx: ExecutionContext): AuditContext => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest & { apiKeyName?: string }>();
  return { requestId: request.id ?? null, actor: request.apiKeyName ?? null };
});
