/** A prune runs at most this often across all workers (the time is kept in PostgreSQL). */
export const ALERT_PRUNE_EVERY_MS = 10 * 60_000;

/** A pending delivery older than this without a job is queued again by the outbox job. */
export const STALE_DELIVERY_MS = 60_000;

/** Stale deliveries one sweep looks at; the next sweep goes on where it stopped. */
export const STALE_SWEEP_BATCH = 500;
