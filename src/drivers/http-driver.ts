import { createHash, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { PostResult } from '../alerting/notification-delivery.service';
import { RunNode } from './driver-runs.repository';
import { DriverPhase, HttpConfig } from './provisioning';

/** Each send waits this long for an answer. */
export const SEND_TIMEOUT_MS = 10_000;
/** Backoff between sends of one run: doubling from the first, capped at the second. */
export const SEND_BACKOFF_MS = Object.freeze({ first: 1000, max: 30_000 });

/** A fresh callback token and the hash that is stored of it (the token itself never is). */
export function callbackToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: tokenHash(token) };
}

export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export interface HttpSendInput {
  runId: string;
  phase: DriverPhase;
  deployment: { id: number; name: string };
  nodes: RunNode[];
  config: HttpConfig;
  callbackUrl: string;
  callbackToken: string;
  deadline: Date;
}

/** The body netorch POSTs for one run. */
export function runBody(input: HttpSendInput): string {
  return JSON.stringify({
    run_id: input.runId,
    phase: input.phase,
    deployment: input.deployment,
    nodes: input.nodes.map((n) => ({
      id: n.id,
      node_id: n.node_id,
      hostname: n.hostname,
      management_address: n.management_address,
      role: n.role,
      vars: n.vars ?? {},
    })),
    callback_url: input.callbackUrl,
    callback_token: input.callbackToken,
    deadline: input.deadline.toISOString(),
  });
}

/**
 * The headers of a send, signed the Standard Webhooks way when the run has a secret:
 * webhook-id (the run id), webhook-timestamp and webhook-signature
 * `v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>`.
 */
export function signedHeaders(
  runId: string,
  body: string,
  secret: string | undefined,
  extra: Record<string, string> = {},
  now = new Date(),
): Record<string, string> {
  const headers: Record<string, string> = {
    ...extra,
    'content-type': 'application/json',
    'webhook-id': runId,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
  };
  if (secret !== undefined) {
    headers['webhook-signature'] = new Webhook(Buffer.from(secret, 'utf8'), { format: 'raw' }).sign(
      runId,
      now,
      body,
    );
  }
  return headers;
}

/** What one send came to: accepted, worth another try, or the run's nodes fail with a message. */
export type SendVerdict =
  { kind: 'accepted' } | { kind: 'retry'; why: string } | { kind: 'fail'; message: string };

/** A send's answer as the issue's rules take it (pure). */
export function sendVerdict(r: PostResult): SendVerdict {
  if (r.status !== null && r.status >= 200 && r.status < 300) return { kind: 'accepted' };
  const retry =
    r.status === null ? !r.final : r.status >= 500 || r.status === 408 || r.status === 429;
  if (retry) return { kind: 'retry', why: r.error ?? `HTTP ${r.status}` };
  if (r.status === null) return { kind: 'fail', message: r.error ?? 'no answer' };
  const start = (r.prefix ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);
  return { kind: 'fail', message: `HTTP ${r.status}${start ? `: ${start}` : ''}` };
}

/** The wait before send number `attempt` (1-based) after a retryable failure. */
export function backoffMs(attempt: number, random = Math.random()): number {
  const base = Math.min(SEND_BACKOFF_MS.max, SEND_BACKOFF_MS.first * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + 0.5 * random));
}
