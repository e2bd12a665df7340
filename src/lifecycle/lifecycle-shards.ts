import { LIFECYCLE_SHARD_SIZE } from './lifecycle.constants';

/** One pending wake-up: advance shard `shard` of the deployment at `dueAtMs` (epoch ms). */
export interface WakeUp {
  deploymentId: number;
  shard: number;
  dueAtMs: number;
}

export function shardOfSeq(seq: number, size = LIFECYCLE_SHARD_SIZE): number {
  return Math.floor((seq - 1) / size);
}

/** Inclusive seq range of a shard. */
export function shardSeqRange(shard: number, size = LIFECYCLE_SHARD_SIZE): [number, number] {
  return [shard * size + 1, (shard + 1) * size];
}

/**
 * Deterministic BullMQ job id: at most one wake-up per shard and due time. BullMQ 6 rejects
 * custom ids containing ':' (it reserves them for its own key layout), hence the dashes.
 */
export function wakeUpJobId(wakeUp: WakeUp): string {
  return `advance-${wakeUp.deploymentId}-${wakeUp.shard}-${Math.floor(wakeUp.dueAtMs)}`;
}

/** The earliest wake-up per shard; several admitted nodes of one shard need only one. */
export function earliestPerShard(wakeUps: WakeUp[]): WakeUp[] {
  const byShard = new Map<string, WakeUp>();
  for (const w of wakeUps) {
    const key = `${w.deploymentId}/${w.shard}`;
    const seen = byShard.get(key);
    if (!seen || w.dueAtMs < seen.dueAtMs) byShard.set(key, w);
  }
  return [...byShard.values()];
}
