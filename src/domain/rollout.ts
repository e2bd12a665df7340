/** Where a rollout with a strategy stands. */
export enum RolloutStatus {
  RUNNING = 'running',
  PAUSED = 'paused',
  HALTED = 'halted',
  ABORTED = 'aborted',
  COMPLETED = 'completed',
}

/** How a deployment's nodes are rolled out: a canary, then waves, with a failure budget and a gate. */
export interface RolloutStrategy {
  /** Nodes of the first wave (0 = no canary). */
  canary: number;
  /** Nodes per wave after the canary; null with wave_percent or for one wave of everything. */
  wave_size: number | null;
  /** Nodes per wave as a share of the deployment's nodes; null with wave_size. */
  wave_percent: number | null;
  /** Halt when the failed share of the nodes admitted so far exceeds this (100 = never). */
  max_failure_percent: number;
  /** Wait between a wave's end and the next wave's start. */
  wave_pause_seconds: number;
  /** node: node number; role: spines, then border leaves, then leaves (a wave never mixes roles). */
  order: 'node' | 'role';
  /** Telemetry gate after each wave; null for none. */
  gate: { soak_seconds: number; max_bottleneck_percent: number } | null;
}

/** A strategy's fields when the request leaves them out: one wave of everything, never halted. */
export const DEFAULT_STRATEGY: Readonly<RolloutStrategy> = Object.freeze({
  canary: 0,
  wave_size: null,
  wave_percent: null,
  max_failure_percent: 100,
  wave_pause_seconds: 0,
  order: 'node',
  gate: null,
});

/**
 * The waves of `segments` (runs of node numbers rolled out one after the other, e.g. one per
 * role; a wave never spans two) as the last node number of each wave, in order. The canary is
 * the first `canary` nodes of the first segment; every later wave holds `size` nodes, or what is
 * left of its segment. Without a size, each segment is one wave.
 */
export function planWaveEnds(
  segments: { from: number; to: number }[],
  canary: number,
  size: number | null,
): number[] {
  const ends: number[] = [];
  let canaryLeft = canary;
  for (const { from, to } of segments) {
    if (to < from) continue;
    let next = from;
    if (canaryLeft > 0) {
      const end = Math.min(to, next + canaryLeft - 1);
      canaryLeft -= end - next + 1;
      ends.push(end);
      next = end + 1;
      if (canaryLeft > 0) continue;
    }
    while (next <= to) {
      const end = size === null ? to : Math.min(to, next + size - 1);
      ends.push(end);
      next = end + 1;
    }
  }
  return ends;
}

/** Nodes per wave after the canary, from wave_size or wave_percent of `nodeCount` (at least 1). */
export function waveSize(strategy: RolloutStrategy, nodeCount: number): number | null {
  if (strategy.wave_size !== null) return strategy.wave_size;
  if (strategy.wave_percent !== null) {
    return Math.max(1, Math.ceil((nodeCount * strategy.wave_percent) / 100));
  }
  return null;
}

/** The node numbers (first, last) of wave `wave` given the waves' last node numbers. */
export function waveRange(ends: readonly number[], wave: number): [number, number] {
  return [wave === 0 ? 1 : ends[wave - 1] + 1, ends[wave]];
}

/** Where a wave lies, as the rollout events' metadata names it. */
export type WaveMetadata = {
  wave: number;
  waves_total: number;
  first_seq: number;
  last_seq: number;
};

/** The metadata naming wave `wave` of the waves ending at `ends`. */
export function waveMetadata(ends: readonly number[], wave: number): WaveMetadata {
  const [first, last] = waveRange(ends, wave);
  return { wave, waves_total: ends.length, first_seq: first, last_seq: last };
}
