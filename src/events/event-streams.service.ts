import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { FeatureConfig } from '../config/config-slices';
import { InjectConfig } from '../config/config.module';
import { EventsRepository, StreamCursor, StreamPoll, StreamRow } from '../store/events.repository';
import { EventResponse } from './dto/event.response';
import { SlotRefusal, StreamHolder, StreamSlots } from './stream-slots';
import {
  compareCursor,
  feedStepAfterPoll,
  Frame,
  framesAfter,
  nextStreamStep,
  POLL_MS,
  retryDelayMs,
  STREAM_BATCH,
} from './stream-steps';

/** What a refused stream is told to wait (Retry-After, seconds). */
export const STREAM_RETRY_AFTER_SECONDS = 10;
/**
 * Frames a subscriber may have waiting (its client reads slowly) before it leaves the shared
 * feed and catches up on its own reads, so one slow client never holds the others' memory.
 */
const MAX_QUEUED_FRAMES = 4 * STREAM_BATCH;
/** Catch-up reads running at once in this process: late subscribers never take the pool. */
const CATCH_UP_CONCURRENCY = 4;

function frameOf(row: StreamRow): Frame {
  return {
    cursor: { xid: row.xid, id: Number(row.id) },
    text: `id: ${row.id}\ndata: ${JSON.stringify(EventResponse.from(row))}\n\n`,
  };
}

const endFrame = (reason: string) => `event: end\ndata: ${JSON.stringify({ reason })}\n\n`;

/** A sleep that another part of the process can cut short; one sleeper at a time. */
class Wakeable {
  private waiter: (() => void) | null = null;

  wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.waiter === done) this.waiter = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiter = done;
    });
  }
}

/** One open stream: where it is, and what the feed handed it that it has not written yet. */
class Subscriber {
  readonly signal = new Wakeable();
  queue: Frame[] = [];
  joined = false;
  closed = false;
  failures = 0;

  /** `cursor`: the last event written to the client (or the resume point). */
  constructor(public cursor: StreamCursor) {}

  /** Frames from the feed; false (and nothing queued) when the client is too far behind. */
  offer(frames: Frame[]): boolean {
    if (this.queue.length + frames.length > MAX_QUEUED_FRAMES) return false;
    for (const frame of frames) this.queue.push(frame);
    this.signal.wake();
    return true;
  }
}

/**
 * The one poller of a deployment in this process. Every event up to `cursor` has been handed to
 * the joined subscribers; each of them writes only what lies after its own cursor. A subscriber
 * joins once its cursor has reached the feed's (a late one first reads up to it on its own), or
 * at once while nobody is joined, the feed then moving back to its cursor (`generation` makes a
 * poll in flight from the old cursor count for nothing). So every subscriber gets every event
 * after its start exactly once, in stream order, and the database sees one poll per interval
 * however many subscribers there are.
 */
class Feed {
  readonly members = new Set<Subscriber>();
  readonly joined = new Set<Subscriber>();
  readonly signal = new Wakeable();
  generation = 0;
  /** Why the stream is over (the deployment is gone and every event was handed out). */
  ended: string | null = null;

  constructor(
    readonly deploymentId: number,
    public cursor: StreamCursor,
  ) {}

  join(sub: Subscriber): void {
    const idle = this.joined.size === 0;
    if (idle && compareCursor(sub.cursor, this.cursor) < 0) {
      this.cursor = sub.cursor;
      this.generation++;
    }
    sub.joined = true;
    this.joined.add(sub);
    if (idle) this.signal.wake();
  }

  leave(sub: Subscriber): void {
    this.members.delete(sub);
    this.joined.delete(sub);
    sub.joined = false;
    if (this.members.size === 0) this.signal.wake();
  }

  deliver(frames: Frame[]): void {
    this.cursor = frames[frames.length - 1].cursor;
    for (const sub of this.joined) {
      if (sub.offer(frames)) continue;
      // Too far behind: it drops what it holds and reads from its own cursor again.
      this.joined.delete(sub);
      sub.joined = false;
      sub.queue = [];
      sub.signal.wake();
    }
  }

  end(reason: string): void {
    this.ended = reason;
    for (const sub of this.members) sub.signal.wake();
  }
}

/**
 * Live event streams (Server-Sent Events) of this process: one feed per deployment with open
 * streams, shared by all of them, and the stream slots (MAX_EVENT_STREAMS per process,
 * MAX_EVENT_STREAMS_PER_KEY per API key or client address). PostgreSQL is read, not
 * LISTEN/NOTIFY: the writers (API, workers' batch statement) stay as they are, and the stream
 * order needs the transaction horizon anyway.
 */
@Injectable()
export class EventStreamsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventStreamsService.name);
  private readonly feeds = new Map<number, Feed>();
  private readonly slots: StreamSlots;
  private readonly open = new Set<ServerResponse>();
  private shuttingDown = false;
  private catchUps = 0;
  private readonly catchUpWaiters: (() => void)[] = [];

  constructor(
    @Inject(EventsRepository) private readonly events: EventsRepository,
    @InjectConfig('events') config: FeatureConfig<'events'>,
  ) {
    this.slots = new StreamSlots(config.maxEventStreams, config.maxEventStreamsPerKey);
  }

  /** Takes a stream slot for the holder (null), or says why not; `serve` gives it back. */
  reserve(holder: StreamHolder): SlotRefusal | null {
    return this.slots.take(holder);
  }

  /** Gives back a slot of a stream that did not open. */
  release(holder: StreamHolder): void {
    this.slots.release(holder);
  }

  /**
   * Writes the deployment's events after `start` until the client goes, the deployment is
   * deleted (after its last event, DEPLOYMENT_DELETED) or the process shuts down; then gives
   * back the holder's slot.
   */
  async serve(
    deploymentId: number,
    start: StreamCursor,
    out: ServerResponse,
    holder: StreamHolder,
  ): Promise<void> {
    const sub = new Subscriber(start);
    const feed = this.feedFor(deploymentId, sub);
    this.open.add(out);
    const closed = new Promise<void>((resolve) =>
      out.once('close', () => {
        sub.closed = true;
        sub.signal.wake();
        resolve();
      }),
    );
    out.on('error', () => {
      sub.closed = true;
      sub.signal.wake();
    });
    let lastWrite = Date.now();
    const write = async (text: string) => {
      lastWrite = Date.now();
      if (!out.write(text)) {
        await Promise.race([new Promise((resolve) => out.once('drain', resolve)), closed]);
      }
    };
    try {
      await write('retry: 2000\n\n');
      while (!sub.closed && !this.shuttingDown) {
        const step = nextStreamStep({
          cursor: sub.cursor,
          joined: sub.joined,
          feedCursor: feed.cursor,
          feedEnded: feed.ended,
          feedHasJoined: feed.joined.size > 0,
          queued: sub.queue.length,
          quietMs: Date.now() - lastWrite,
        });
        if (step.kind === 'end') {
          await write(endFrame(step.reason));
          break;
        }
        if (step.kind === 'join') {
          feed.join(sub);
        } else if (step.kind === 'catch-up') {
          const text = await this.catchUp(feed, sub);
          if (text) await write(text);
        } else if (step.kind === 'write-queued') {
          const unsent = framesAfter(sub.queue, sub.cursor);
          sub.queue = [];
          sub.cursor = unsent.cursor;
          if (unsent.text) await write(unsent.text);
        } else if (step.kind === 'keep-alive') {
          await write(': keep-alive\n\n');
        } else {
          await sub.signal.sleep(step.ms);
        }
      }
    } catch (error) {
      this.logger.error(
        `Event stream of deployment ${deploymentId} failed: ${(error as Error).message}`,
      );
    } finally {
      feed.leave(sub);
      this.open.delete(out);
      this.slots.release(holder);
      if (!out.writableEnded) out.end();
    }
  }

  /** Open streams would hold the HTTP server open; end them so shutdown completes. */
  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
    for (const out of this.open) {
      if (!out.writableEnded) out.end(endFrame('server shutting down'));
    }
    for (const feed of this.feeds.values()) {
      feed.signal.wake();
      for (const sub of feed.members) sub.signal.wake();
    }
  }

  /** The deployment's feed, started for this subscriber if there is none. */
  private feedFor(deploymentId: number, sub: Subscriber): Feed {
    let feed = this.feeds.get(deploymentId);
    if (feed) {
      feed.members.add(sub);
      return feed;
    }
    feed = new Feed(deploymentId, sub.cursor);
    feed.members.add(sub);
    this.feeds.set(deploymentId, feed);
    void this.run(feed);
    return feed;
  }

  private async run(feed: Feed): Promise<void> {
    this.logger.debug(`Event feed of deployment ${feed.deploymentId} started`);
    let failures = 0;
    try {
      while (feed.members.size > 0 && !this.shuttingDown) {
        if (feed.joined.size === 0) {
          // Everyone is still catching up: nothing to poll for yet.
          await feed.signal.sleep(POLL_MS);
          continue;
        }
        const generation = feed.generation;
        let batch: StreamPoll;
        try {
          batch = await this.events.poll(feed.deploymentId, feed.cursor, STREAM_BATCH);
          failures = 0;
        } catch (error) {
          // PostgreSQL away: the clients stay; the feed resumes where it was.
          if (failures++ === 0) {
            this.logger.warn(
              `Event stream of deployment ${feed.deploymentId} paused: ${(error as Error).message}`,
            );
          }
          await feed.signal.sleep(retryDelayMs(failures));
          continue;
        }
        // A poll from a cursor the feed has since moved back from counts for nothing.
        if (generation !== feed.generation) continue;
        if (batch.rows.length > 0) feed.deliver(batch.rows.map(frameOf));
        const step = feedStepAfterPoll({ ...batch, rows: batch.rows.length });
        if (step === 'end') {
          feed.end('deployment deleted');
          break;
        }
        if (step === 'sleep') await feed.signal.sleep(POLL_MS);
      }
    } finally {
      if (this.feeds.get(feed.deploymentId) === feed) this.feeds.delete(feed.deploymentId);
      this.logger.debug(`Event feed of deployment ${feed.deploymentId} stopped`);
    }
  }

  /**
   * One read of a subscriber behind the feed, up to the feed's cursor (a few at a time per
   * process); the frames to write, or '' after a failure (it waits, then tries again).
   */
  private async catchUp(feed: Feed, sub: Subscriber): Promise<string> {
    await this.takeCatchUpTurn();
    let rows: StreamRow[];
    const upTo = feed.cursor;
    try {
      if (sub.closed) return '';
      rows = await this.events.readRange(feed.deploymentId, sub.cursor, upTo, STREAM_BATCH);
      sub.failures = 0;
    } catch (error) {
      if (sub.failures++ === 0) {
        this.logger.warn(
          `Event stream of deployment ${feed.deploymentId} paused: ${(error as Error).message}`,
        );
      }
      rows = [];
    } finally {
      this.giveCatchUpTurn();
    }
    if (sub.failures > 0) {
      await sub.signal.sleep(retryDelayMs(sub.failures));
      return '';
    }
    if (rows.length === 0) {
      // Deleted by retention since the feed passed them: nothing left to send up to there.
      sub.cursor = upTo;
      return '';
    }
    const read = framesAfter(rows.map(frameOf), sub.cursor);
    sub.cursor = read.cursor;
    return read.text;
  }

  private async takeCatchUpTurn(): Promise<void> {
    if (this.catchUps < CATCH_UP_CONCURRENCY) {
      this.catchUps++;
      return;
    }
    await new Promise<void>((resolve) => this.catchUpWaiters.push(resolve));
  }

  private giveCatchUpTurn(): void {
    const next = this.catchUpWaiters.shift();
    if (next) next();
    else this.catchUps--;
  }
}
