/**
 * A client's allowance in one window of one limit, as one API replica holds it. The count of
 * the window lives in Redis, shared by every replica; a replica takes a slice of it at a time
 * (INCRBY slice) and spends the slice locally, so a client at full speed costs one Redis round
 * trip per slice instead of one per request. Nothing here does I/O: the limiter feeds it what
 * Redis answers.
 *
 * Exactness: Redis never grants more than `max` in a window across all replicas (a replica that
 * pushes the total past `max` keeps only what was left), so a client is never let through over
 * its limit. The price is the other way: tokens a replica leased but did not spend before the
 * window ends are lost, at most one lease per replica per window (a slice at most, and never more
 * than the replica used before: see nextAsk). With R replicas a client busy on all of them may be
 * refused up to R slices early; with one replica, never.
 */

/**
 * Slices per window. The minute's limit is the one clients plan with, so its slices are small
 * (1/50: a client spread over two replicas loses at most 4 % of its minute); the second's limit
 * only stops a client from spending its minute at once, so it takes 1/10 and fewer round trips.
 */
export const SLICES = { minute: 50, second: 10 } as const;

/** Tokens a replica asks Redis for at once under a limit of `max` per window. */
export function sliceOf(max: number, slices: number): number {
  return Math.max(1, Math.floor(max / slices));
}

/** Whole seconds until `endsAt` (at least 1): the Retry-After of a refusal. */
export function secondsLeft(now: number, endsAt: number): number {
  return Math.max(1, Math.ceil((endsAt - now) / 1000));
}

/**
 * What a lease got: Redis answered `total` after adding `asked` to the window's count. Tokens past
 * `max` are not granted; a grant of less than asked means the window is spent.
 */
export function granted(total: number, asked: number, max: number): number {
  return Math.max(0, Math.min(asked, max - (total - asked)));
}

/**
 * A window starts with a client's first request (the count's key in Redis is created with the
 * window's length as its expiry, as a fixed-window limiter does) and every replica learns when it
 * ends from the key's remaining time.
 */
export class Allowance {
  /** Tokens leased from Redis and not spent yet, for the window that ends at `endsAt`. */
  tokens = 0;
  /** Redis said the window's count reached the limit: refuse until the window ends. */
  spent = false;
  /** When the window ends (ms since the epoch); 0 before the first lease. */
  endsAt = 0;
  /** A lease in flight; requests that find no token wait for it instead of asking again. */
  lease: Promise<void> | undefined;
  /** What the next lease asks for: 1 at first, doubling up to the slice (see nextAsk). */
  private ask = 1;

  /**
   * The size of the next lease. A client's first lease on this replica asks for one token and
   * each later one for twice as many, up to the slice: a replica that serves a client only a
   * few requests (a short-lived process, a quiet client) never holds back more than it used,
   * and a busy one reaches the full slice after a few round trips.
   */
  nextAsk(slice: number): number {
    const asked = Math.min(this.ask, slice);
    this.ask = Math.min(this.ask * 2, slice);
    return asked;
  }

  /** Starts over once the window has ended: what was left of it is gone with it. */
  at(now: number): this {
    if (now >= this.endsAt) {
      this.tokens = 0;
      this.spent = false;
    }
    return this;
  }

  /** Adds what a lease got: Redis answered `total` and the window's remaining `ttlMs`. */
  add(now: number, total: number, ttlMs: number, asked: number, max: number): void {
    const got = granted(total, asked, max);
    if (now >= this.endsAt) this.tokens = 0;
    this.endsAt = now + Math.max(ttlMs, 0);
    this.tokens += got;
    this.spent = got < asked;
  }
}
