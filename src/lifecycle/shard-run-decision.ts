import { MIN_WAKEUP_GAP_MS } from './lifecycle.constants';

/** What a shard run knows after a batch: its shard's next due node, progress and budget. */
export interface ShardRunFacts {
  /** The shard's earliest scheduled node (epoch ms, database clock); null when none is. */
  dueMs: number | null;
  /** The database clock when `dueMs` was read. */
  nowMs: number;
  /** Whether the batch just run moved or admitted any node. */
  progressed: boolean;
  /** Whether the run still has time and the worker is not stopping. */
  mayGoOn: boolean;
}

/** Run another batch now, wake the shard at `atMs`, or stop: nothing in it is scheduled. */
export type ShardRunStep = { kind: 'continue' } | { kind: 'wake'; atMs: number } | { kind: 'stop' };

/**
 * The shard run's next step. Another batch runs at once only while nodes are due and the last
 * batch moved some (a batch that moved none would find the same rows locked or not ready);
 * otherwise the shard is woken at its next due node, never sooner than MIN_WAKEUP_GAP_MS from
 * now, so a shard's many step ends a few ms apart share one wake-up.
 */
export function decideShardRun(f: ShardRunFacts): ShardRunStep {
  // Only nodes waiting for a driver run (next_step_at infinity): their results wake what follows.
  if (f.dueMs === null || !Number.isFinite(f.dueMs)) return { kind: 'stop' };
  if (f.dueMs <= f.nowMs && f.progressed && f.mayGoOn) return { kind: 'continue' };
  return { kind: 'wake', atMs: Math.max(f.dueMs, f.nowMs + MIN_WAKEUP_GAP_MS) };
}
