import type { StreamCursor } from '../store/events.repository';

/** Rows one read of the stream returns at most. */
export const STREAM_BATCH = 500;
/** How often a deployment's feed asks PostgreSQL for new events. */
export const POLL_MS = 250;
/** A comment line after this much silence, so proxies keep the connection. */
export const KEEP_ALIVE_MS = 15_000;
/** The longest wait between reads while PostgreSQL keeps failing. */
const MAX_BACKOFF_MS = 5000;

/** Stream order: by writing transaction, then id. */
export function compareCursor(a: StreamCursor, b: StreamCursor): number {
  if (a.xid !== b.xid) return BigInt(a.xid) < BigInt(b.xid) ? -1 : 1;
  return a.id - b.id;
}

/** One event as it goes on the wire, serialised once for every subscriber. */
export interface Frame {
  cursor: StreamCursor;
  text: string;
}

/** Where one open stream stands against its deployment's feed. */
export interface StreamFacts {
  /** The last event written to the client (or the resume point). */
  cursor: StreamCursor;
  /** Whether the stream takes its frames from the feed (else it reads on its own). */
  joined: boolean;
  /** Every event up to here has been handed to the joined streams. */
  feedCursor: StreamCursor;
  /** Why the feed is over, once it is. */
  feedEnded: string | null;
  /** Whether any stream is joined to the feed. */
  feedHasJoined: boolean;
  /** Frames handed to the stream and not written yet. */
  queued: number;
  /** Time since the last write to the client. */
  quietMs: number;
}

/** What an open stream does next. */
export type StreamStep =
  /** Write the end event with `reason`, and close. */
  | { kind: 'end'; reason: string }
  /** Take frames from the feed from now on. */
  | { kind: 'join' }
  /** Read the events between its cursor and the feed's on its own. */
  | { kind: 'catch-up' }
  /** Write the frames the feed handed it. */
  | { kind: 'write-queued' }
  | { kind: 'keep-alive' }
  /** Nothing to do until woken, or until the keep-alive is due in `ms`. */
  | { kind: 'sleep'; ms: number };

/**
 * A stream's next step. One that is not joined catches up to the feed's cursor, then joins (at
 * once if no stream is joined: the feed moves back to it); once the feed has ended it writes
 * the end after its last event. A joined one writes what it was handed, then the end, and
 * otherwise sleeps, saying something every KEEP_ALIVE_MS.
 */
export function nextStreamStep(f: StreamFacts): StreamStep {
  if (!f.joined) {
    const caughtUp = compareCursor(f.cursor, f.feedCursor) >= 0;
    if (f.feedEnded !== null) {
      if (caughtUp) return { kind: 'end', reason: f.feedEnded };
    } else if (caughtUp || !f.feedHasJoined) {
      return { kind: 'join' };
    }
    return { kind: 'catch-up' };
  }
  if (f.queued > 0) return { kind: 'write-queued' };
  if (f.feedEnded !== null) return { kind: 'end', reason: f.feedEnded };
  if (f.quietMs >= KEEP_ALIVE_MS) return { kind: 'keep-alive' };
  return { kind: 'sleep', ms: KEEP_ALIVE_MS - f.quietMs };
}

/**
 * The text of the frames after `cursor`, in order, and the cursor of the last of them (`cursor`
 * itself when none is after it): a stream never writes an event twice.
 */
export function framesAfter(
  frames: readonly Frame[],
  cursor: StreamCursor,
): { text: string; cursor: StreamCursor } {
  let text = '';
  let last = cursor;
  for (const frame of frames) {
    if (compareCursor(frame.cursor, last) <= 0) continue;
    text += frame.text;
    last = frame.cursor;
  }
  return { text, cursor: last };
}

/** What a feed does after a poll that returned `rows` rows. */
export type FeedStep = 'end' | 'poll-again' | 'sleep';

/**
 * After a poll: a deployment that is gone and has nothing left to hand out ends its feed; a
 * full batch means more is waiting, so the feed reads again at once; otherwise it sleeps POLL_MS.
 */
export function feedStepAfterPoll(poll: {
  rows: number;
  live: boolean;
  pending: boolean;
}): FeedStep {
  if (!poll.live && poll.rows === 0 && !poll.pending) return 'end';
  if (poll.rows === STREAM_BATCH) return 'poll-again';
  return 'sleep';
}

/** The wait after the `failures`-th failed read in a row: doubling from POLL_MS, capped. */
export function retryDelayMs(failures: number): number {
  return Math.min(MAX_BACKOFF_MS, POLL_MS * 2 ** failures);
}
