import { Inject, Injectable } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { RECEIVER_SECRET_CONTEXT } from '../secrets/receiver-secrets';
import { SecretBox } from '../secrets/secret-box';
import { AlertDeliveriesRepository, DeliveryStatus } from './alert-deliveries.repository';
import { guardedLookup, receiverUrlProblem } from './receiver-url';
import { signPayload } from './signature';

/** A receiver has this long to answer (connect, send, first bytes). */
export const DELIVERY_TIMEOUT_MS = 5000;
/** How much of a response body is kept. */
export const RESPONSE_PREFIX_BYTES = 512;

export interface PostResult {
  status: number | null;
  error: string | null;
  prefix: string | null;
  durationMs: number;
  /** Whether the error is one that must not be retried (a refused address). */
  final?: boolean;
}

/** One POST without redirects, with a timeout, keeping only the start of the response body. */
export function postOnce(
  target: URL,
  body: string,
  headers: Record<string, string>,
  timeoutMs = DELIVERY_TIMEOUT_MS,
): Promise<PostResult> {
  const started = performance.now();
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: Omit<PostResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, durationMs: Math.round(performance.now() - started) });
    };
    const req = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        lookup: guardedLookup as never,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () =>
          done({
            status: res.statusCode ?? null,
            error: null,
            prefix: Buffer.concat(chunks).subarray(0, RESPONSE_PREFIX_BYTES).toString('utf8'),
          });
        res.on('data', (chunk: Buffer) => {
          if (size < RESPONSE_PREFIX_BYTES) chunks.push(chunk);
          size += chunk.length;
          if (size >= RESPONSE_PREFIX_BYTES) {
            finish();
            res.destroy();
          }
        });
        res.on('end', finish);
        res.on('error', finish);
      },
    );
    const timer = setTimeout(() => {
      done({ status: null, error: `timeout after ${timeoutMs} ms`, prefix: null });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) =>
      done({
        status: null,
        error: `${error.code ?? 'error'}: ${error.message}`.slice(0, 500),
        prefix: null,
        final: error.code === 'EFORBIDDENADDRESS',
      }),
    );
    req.end(body);
  });
}

/** Whether an answer (or its absence) is worth another attempt. */
export function retryable(r: PostResult): boolean {
  if (r.status === null) return !r.final;
  return r.status >= 500 || r.status === 408 || r.status === 429;
}

/**
 * Sends one delivery row. A delivered, failed or silenced row is never sent again by a job (a
 * retried or replayed job finds it done); the attempt and its outcome are recorded before the
 * job ends, and retryable failures throw so BullMQ retries with the delivery backoff.
 */
@Injectable()
export class NotificationDeliveryService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: AlertDeliveriesRepository,
    private readonly box: SecretBox,
  ) {}

  async deliver(deliveryId: string, job?: Job): Promise<{ status: DeliveryStatus | 'gone' }> {
    const d = await this.repo.outgoing(deliveryId);
    if (!d) return { status: 'gone' };
    if (d.status !== 'pending') return { status: d.status };
    const problem = receiverUrlProblem(d.url, this.config.receiverAllowedHosts);
    if (problem) {
      await this.repo.recordAttempt(
        d.id,
        { duration_ms: 0, http_status: null, error: problem, response_prefix: null },
        'failed',
      );
      throw new UnrecoverableError(problem);
    }
    const target = new URL(d.url);
    if (d.receiver_type === 'alertmanager') {
      target.pathname = `${target.pathname.replace(/\/+$/, '')}/api/v2/alerts`;
    }
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'netorch-alerting',
      'x-netorch-delivery': d.id,
      'x-netorch-timestamp': timestamp,
    };
    if (d.secret) {
      const secret = this.box.open(d.secret, RECEIVER_SECRET_CONTEXT);
      headers['x-netorch-signature'] = signPayload(secret, timestamp, d.body);
    }
    const r = await postOnce(target, d.body, headers);
    const ok = r.status !== null && r.status >= 200 && r.status < 300;
    const again = !ok && retryable(r);
    const last = job ? job.attemptsMade + 1 >= (job.opts.attempts ?? 1) : true;
    const status: DeliveryStatus = ok ? 'delivered' : again && !last ? 'pending' : 'failed';
    await this.repo.recordAttempt(
      d.id,
      {
        duration_ms: r.durationMs,
        http_status: r.status,
        error: r.error,
        response_prefix: r.prefix,
      },
      status,
    );
    if (ok) return { status };
    const why = r.status !== null ? `HTTP ${r.status}` : (r.error ?? 'no answer');
    if (again) throw new Error(`Delivery ${d.id}: ${why}`);
    throw new UnrecoverableError(`Delivery ${d.id}: ${why} (not retried)`);
  }
}
