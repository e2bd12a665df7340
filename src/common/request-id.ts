import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A client's X-Request-Id is kept only when it is short and plain; it ends up in audit rows. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's id if acceptable (one header, plain, at most 128 characters), else undefined. */
export function acceptRequestId(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && REQUEST_ID_PATTERN.test(value) ? value : undefined;
}

/** Fastify's genReqId: the client's X-Request-Id when acceptable, otherwise a new UUID. */
export function requestIdOf(request: IncomingMessage): string {
  return acceptRequestId(request.headers['x-request-id']) ?? randomUUID();
}
