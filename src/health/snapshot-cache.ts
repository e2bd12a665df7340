/**
 * Holds the result of the latest read for `maxAgeMs`, counted from when that read started, and
 * never runs two reads at once: callers that arrive while a read is in flight share it. So a
 * caller waits for at most one read, and a flood of callers costs at most one read per
 * `maxAgeMs` plus the reads that take longer than that.
 */
export class SnapshotCache<T> {
  private latest: { value: T; startedAt: number } | undefined;
  private inFlight: Promise<T> | undefined;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    if (this.latest && this.now() - this.latest.startedAt < this.maxAgeMs) {
      return Promise.resolve(this.latest.value);
    }
    return (this.inFlight ??= this.refresh());
  }

  private async refresh(): Promise<T> {
    const startedAt = this.now();
    try {
      const value = await this.read();
      this.latest = { value, startedAt };
      return value;
    } finally {
      this.inFlight = undefined;
    }
  }
}
