/** Exponential backoff with full jitter, capped; attempt counts from 0. */
export function backoffMs(attempt: number, baseMs = 500, capMs = 15000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls fn until it resolves, waiting with backoff between tries and reporting each failure;
 * used at start-up so containers may come up in any order.
 */
export async function retryUntilReady<T>(
  fn: () => Promise<T>,
  onFailure: (error: unknown, retryInMs: number, attempt: number) => void,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const wait = backoffMs(attempt);
      onFailure(error, wait, attempt);
      await sleep(wait);
    }
  }
}
