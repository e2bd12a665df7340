import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { ApiKeyScope } from '../config/app-config';

/**
 * What the request's API key may see: its scope and, for a key bound to fabrics, their
 * deployment ids. The key check (common/api-key.hooks.ts) puts it on the request; an open API
 * (no API_KEYS) is `rw` of every deployment.
 */
export interface CallerKey {
  scope: ApiKeyScope;
  /** The deployments a bound key is limited to; undefined: every deployment. */
  deployments?: readonly number[];
}

export type RequestWithKey = { callerKey?: CallerKey };

export const OPEN_CALLER: CallerKey = { scope: 'rw' };

/** The request's CallerKey, for controllers that show less to a narrower key. */
export const Caller = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): CallerKey =>
    ctx.switchToHttp().getRequest<RequestWithKey>().callerKey ?? OPEN_CALLER,
);

/** A URL as an `ro` key sees it: scheme, host and port, with path and query replaced by `…`. */
export function redactedUrl(raw: string): string {
  try {
    const url = new URL(raw);
    const rest = `${url.pathname}${url.search}${url.hash}`;
    return `${url.protocol}//${url.host}${rest === '/' || rest === '' ? '/' : '/…'}`;
  } catch {
    return '…';
  }
}
