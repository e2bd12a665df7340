import { Presets, SingleBar } from 'cli-progress';
import { createParser } from 'eventsource-parser';
import type { Schema } from '../client/netorch-client';
import { CliContext } from './cli-context';
import { CliError } from './cli-error';
import { rolloutProgress, type RolloutProgress } from './rollout-progress';

type Detail = Schema<'DeploymentDetailResponse'>;

// Events only say that something changed; the counts come from the deployment itself, read at
// most this often while events arrive, and on this interval should the stream be unavailable.
const DEBOUNCE_MS = 200;
const POLL_MS = 2000;
const RECONNECT_MS = 1000;

const FORMAT =
  '{bar} {value}/{total} done | admitted {admitted} | in flight {inFlight} | failed {failed} | {wave} | {status}';

export interface WatchResult {
  progress: RolloutProgress;
  detail: Detail | null;
}

/**
 * Follows a deployment's rollout with a progress bar on stderr until it completes, halts, is
 * aborted or fails (or the deployment is deleted); a paused rollout is waited for.
 */
export class RolloutWatcher {
  private readonly abort = new AbortController();
  private last: WatchResult | undefined;
  private lastEventId: string | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private done: ((result: WatchResult) => void) | undefined;
  private fail: ((error: unknown) => void) | undefined;
  private readonly bar = new SingleBar(
    {
      format: FORMAT,
      stream: process.stderr,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    Presets.shades_classic,
  );

  constructor(
    private readonly ctx: CliContext,
    private readonly id: number,
  ) {}

  async run(): Promise<WatchResult> {
    const detail = await this.ctx.call(this.fetchDetail());
    const first = (this.last = { progress: rolloutProgress(detail), detail });
    if (first.progress.outcome) return first;
    this.bar.start(first.progress.total, first.progress.done, this.payload(first.progress));
    try {
      return await new Promise<WatchResult>((resolve, reject) => {
        this.done = resolve;
        this.fail = reject;
        this.poll = setInterval(() => this.check(), POLL_MS);
        void this.follow();
      });
    } finally {
      // Reads still under way when the watch ends must not touch the stopped bar.
      this.done = undefined;
      clearInterval(this.poll);
      clearTimeout(this.debounce);
      this.abort.abort();
      this.bar.stop();
    }
  }

  private payload(p: RolloutProgress) {
    return {
      admitted: p.admitted,
      inFlight: p.inFlight,
      failed: p.failed,
      wave: p.wave,
      status: p.status,
    };
  }

  private fetchDetail() {
    return this.ctx.client.GET('/deployments/{id}', { params: { path: { id: this.id } } });
  }

  private async read(): Promise<WatchResult> {
    const { data, error, response } = await this.fetchDetail();
    if (response.status === 404 && this.last) {
      const summary = `deployment ${this.id} was deleted`;
      return { progress: { ...this.last.progress, outcome: 'deleted', summary }, detail: null };
    }
    if (error !== undefined || !data) throw CliContext.apiError(response, error);
    this.last = { progress: rolloutProgress(data), detail: data };
    return this.last;
  }

  private async check(): Promise<void> {
    if (!this.done) return;
    try {
      const result = await this.read();
      if (!this.done) return;
      this.bar.setTotal(result.progress.total);
      this.bar.update(result.progress.done, this.payload(result.progress));
      if (result.progress.outcome) this.done(result);
    } catch (error) {
      // A refused request ends the watch; an unreachable service is retried on the next poll.
      if (error instanceof CliError) this.fail?.(error);
    }
  }

  private soon(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.check(), DEBOUNCE_MS);
  }

  /** Reads the event stream, reconnecting after the last event seen, until the watch ends. */
  private async follow(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const response = await fetch(`${this.ctx.baseUrl}/deployments/${this.id}/events/stream`, {
          headers: {
            ...this.ctx.authHeaders(),
            Accept: 'text/event-stream',
            ...(this.lastEventId ? { 'Last-Event-ID': this.lastEventId } : {}),
          },
          signal: this.abort.signal,
        });
        if (response.ok && response.body) {
          const parser = createParser({
            onEvent: (event) => {
              if (event.id) this.lastEventId = event.id;
              if (event.event === 'end') void this.check();
              else this.soon();
            },
          });
          const decoder = new TextDecoder();
          for await (const chunk of response.body)
            parser.feed(decoder.decode(chunk, { stream: true }));
        } else {
          await response.body?.cancel();
        }
      } catch {
        // Aborted at the end of the watch, or the connection dropped: polling goes on meanwhile.
      }
      if (this.abort.signal.aborted) return;
      await new Promise((r) => setTimeout(r, RECONNECT_MS));
    }
  }
}
