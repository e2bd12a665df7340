/**
 * The promise, or a rejection naming `what` once `ms` have passed: ioredis queues commands while
 * Redis is away and a lost PostgreSQL connection can take long to fail, and neither may hold a
 * request or a probe hostage.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
