import { Inject, Injectable, Logger } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AnsweredDelivery } from '../queue/jobs';
import {
  AlertDeliveriesRepository,
  DeliveryStatus,
  OutgoingDelivery,
} from './alert-deliveries.repository';
import { AlertNotifier } from './alert-notifier.service';
import { AlertReceiversRepository } from './alert-receivers.repository';
import { answerText } from './delivery-answer';
import {
  isOutboundRefusal,
  outboundLookup,
  OutboundPolicy,
  outboundPolicy,
  outboundUrlProblem,
} from '../common/outbound-address';
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
  policy: OutboundPolicy,
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
        lookup: outboundLookup(policy),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () =>
          done({
            status: res.statusCode ?? null,
            error: null,
            prefix: answerText(
              Buffer.concat(chunks).subarray(0, RESPONSE_PREFIX_BYTES),
              res.headers['content-encoding'],
            ),
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
        final: isOutboundRefusal(error),
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

/** The longest pause of an open breaker, unless RECEIVER_BREAKER_PAUSE_MS is longer. */
export const MAX_BREAKER_PAUSE_MS = 10 * 60_000;
/** How long a delivery over its receiver's in-flight cap waits before it looks again. */
const OVER_CAP_WAIT_MS = 250;

type DeliveryJob = Job<{ deliveryId: string; answered?: AnsweredDelivery }>;

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/**
 * Sends one delivery row. A delivered, failed or silenced row is never sent again by a job (a
 * retried or replayed job finds it done); the attempt and its outcome are recorded before the
 * job ends, and retryable failures throw so BullMQ retries with the delivery backoff.
 *
 * A receiver's deliveries wait, unsent and without spending an attempt, while its circuit
 * breaker is open and while this process already has RECEIVER_MAX_IN_FLIGHT of them under way.
 * An answer that cannot be recorded is kept in the job, whose retry records it instead of
 * sending the notification again.
 */
@Injectable()
export class NotificationDeliveryService {
  private readonly logger = new Logger(NotificationDeliveryService.name);
  /** Deliveries under way in this process, by receiver. */
  private readonly inFlight = new Map<number, number>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: AlertDeliveriesRepository,
    private readonly receivers: AlertReceiversRepository,
    private readonly notifier: AlertNotifier,
  ) {}

  async deliver(
    deliveryId: string,
    job?: DeliveryJob,
  ): Promise<{ status: DeliveryStatus | 'gone' }> {
    const d = await this.repo.outgoing(deliveryId);
    if (!d) return { status: 'gone' };
    if (d.status !== 'pending') return { status: d.status };
    const answered = job?.data.answered;
    const r = answered ?? (await this.send(d, job));
    const ok = r.status !== null && r.status >= 200 && r.status < 300;
    const again = !ok && retryable(r);
    const last = job ? job.attemptsMade + 1 >= (job.opts.attempts ?? 1) : true;
    const status: DeliveryStatus = ok ? 'delivered' : again && !last ? 'pending' : 'failed';
    let recorded: DeliveryStatus;
    try {
      recorded = await this.record(d.id, r, status);
    } catch (error) {
      await job?.updateData({ deliveryId, answered: r }).catch(() => undefined);
      throw new Error(
        `Delivery ${d.id}: answered ${r.status ?? r.error}, but the answer could not be recorded (${(error as Error).message}); the retry records it without sending again`,
        { cause: error },
      );
    }
    if (!answered && (ok || again)) {
      await this.receivers
        .recordOutcome(d.receiver_id, ok, this.breakerSettings())
        .catch((error: Error) => this.logger.warn(`Breaker not updated: ${error.message}`));
    }
    if (ok && recorded === 'pending') {
      // Its body was replaced by a newer evaluation while this one was sent: send that too.
      await this.notifier.requeue(d.id);
      return { status: recorded };
    }
    if (ok) return { status };
    const why = r.status !== null ? `HTTP ${r.status}` : (r.error ?? 'no answer');
    if (again) throw new Error(`Delivery ${d.id}: ${why}`);
    throw new UnrecoverableError(`Delivery ${d.id}: ${why} (not retried)`);
  }

  /** The POST, after the outbound rule, the breaker and the in-flight cap let it go. */
  private async send(d: OutgoingDelivery, job?: DeliveryJob): Promise<AnsweredDelivery> {
    const bodyMd5 = md5(d.body);
    const policy = outboundPolicy(this.config);
    const problem = outboundUrlProblem(d.url, policy);
    if (problem)
      return { status: null, error: problem, prefix: null, durationMs: 0, final: true, bodyMd5 };
    const pausedFor = d.paused_until ? new Date(d.paused_until).getTime() - Date.now() : 0;
    if (job && pausedFor > 0) await this.wait(job, pausedFor + Math.random() * 1000);
    const running = this.inFlight.get(d.receiver_id) ?? 0;
    if (job && running >= this.config.receiverMaxInFlight) {
      await this.wait(job, OVER_CAP_WAIT_MS * (1 + Math.random()));
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
    if (d.secret) headers['x-netorch-signature'] = signPayload(d.secret, timestamp, d.body);
    this.inFlight.set(d.receiver_id, running + 1);
    try {
      return { ...(await postOnce(target, d.body, headers, policy)), bodyMd5 };
    } finally {
      const left = (this.inFlight.get(d.receiver_id) ?? 1) - 1;
      if (left > 0) this.inFlight.set(d.receiver_id, left);
      else this.inFlight.delete(d.receiver_id);
    }
  }

  /** Puts the job back to wait (not an attempt) and ends this run of it. */
  private async wait(job: DeliveryJob, ms: number): Promise<never> {
    await job.moveToDelayed(Date.now() + Math.round(ms), job.token);
    throw new DelayedError();
  }

  /** Records the attempt; if its answer text is what PostgreSQL refuses, records it without. */
  private async record(id: string, r: AnsweredDelivery, status: DeliveryStatus) {
    const attempt = {
      duration_ms: r.durationMs,
      http_status: r.status,
      error: r.error,
      response_prefix: r.prefix,
    };
    try {
      return await this.repo.recordAttempt(id, attempt, status, r.bodyMd5);
    } catch (error) {
      if (r.prefix === null) throw error;
      return this.repo.recordAttempt(id, { ...attempt, response_prefix: null }, status, r.bodyMd5);
    }
  }

  private breakerSettings() {
    const first = this.config.receiverBreakerPauseMs;
    return {
      failures: this.config.receiverBreakerFailures,
      firstPauseMs: first,
      maxPauseMs: Math.max(first, MAX_BREAKER_PAUSE_MS),
    };
  }
}
