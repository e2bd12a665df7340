import { inspect } from 'node:util';

export interface PollOptions {
  /** How long the state may take to arrive (default 60 s: generous for a loaded machine). */
  timeoutMs?: number;
  /** Pause between two checks (default 100 ms). */
  intervalMs?: number;
  /** Treat a check that throws as "not yet" (a page still rendering) instead of failing at once. */
  retryErrors?: boolean;
}

/** What a check returns while the state has not arrived yet. */
type NotYet = undefined | null | false;

/** A check's verdict: the state it waited for, or not yet. */
const arrived = <T>(value: T): value is Exclude<T, NotYet> =>
  value !== undefined && value !== null && value !== false;

function show(value: unknown): string {
  const text = inspect(value, { depth: 6, breakLength: Infinity });
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

/** Both forms of pollUntil: with `until`, the check's value whole; without, its arrived value. */
interface PollUntil {
  <T>(
    check: () => T | Promise<T>,
    what: string,
    options: PollOptions & { until: (value: T) => boolean },
  ): Promise<T>;
  <T>(
    check: () => T | Promise<T>,
    what: string,
    options?: PollOptions,
  ): Promise<Exclude<T, NotYet>>;
}

/**
 * Waits for a state, never for a time: calls `check` until it returns something other than
 * undefined, null or false, and returns that value. With `until`, the check's value is kept
 * whole and `until` says whether it is the awaited state. A timeout names `what` and shows the
 * last value seen, so a failure says how far the state got.
 */
export const pollUntil: PollUntil = async <T>(
  check: () => T | Promise<T>,
  what: string,
  options: PollOptions & { until?: (value: T) => boolean } = {},
): Promise<T> => {
  const { timeoutMs = 60_000, intervalMs = 100, retryErrors = false, until } = options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      last = value;
      if (until ? until(value) : arrived(value)) return value;
    } catch (error) {
      if (!retryErrors) throw error;
      last = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${show(last)}`);
    }
    await sleep(intervalMs);
  }
};

/**
 * A plain pause. Only for proving that something does NOT happen within a span (each use says
 * why its span is long enough), or for pacing a loop that checks a state on every pass.
 */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
