import {
  RolloutStatus,
  RolloutStrategy,
  waveMetadata,
  WaveMetadata,
  waveRange,
} from '../domain/rollout';
import type { AdmittedFigures } from '../store/rollouts.repository';

/** How often a gate waiting for a wave node's first sample looks again. */
export const GATE_TELEMETRY_POLL_MS = 1_000;
/** Node names a halt reason lists before it says how many more there are. */
const GATE_REASON_NAMES = 20;

/** What a check knows of one rollout: its row, the readings taken so far, and the time. */
export interface RolloutFacts {
  status: RolloutStatus;
  strategy: RolloutStrategy;
  wave: number;
  waveEnds: readonly number[];
  /** The last wave an operator's resume after a halt let past the budget and the gate. */
  overrideWave: number;
  /** When the current wave ended (epoch ms); null while its nodes are still moving. */
  waveEndedAtMs: number | null;
  /** The admitted nodes' figures, once read. */
  figures?: AdmittedFigures;
  /** Names of the wave's RUNNING nodes with no telemetry since the wave ended, once read. */
  silent?: string[];
  /** Names of the wave's nodes the bottleneck detector flags, in node order, once read. */
  flagged?: string[];
  /** How long past the pause and soak the gate waits for a silent node's first sample. */
  telemetryGraceMs: number;
  nowMs: number;
}

/** Metadata of a wave's end: where it lies and how its admitted nodes fared. */
export type WaveEndMetadata = WaveMetadata & {
  admitted: number;
  failed: number;
  failed_percent: number;
};

/**
 * The next thing a check does. `read-*` and `end-wave` are steps on the way (the check takes
 * the reading or writes the wave's end, then asks again); the others end the check.
 */
export type RolloutStep =
  /** Not running (paused, halted, aborted, completed): nothing to do. */
  | { kind: 'inactive' }
  | { kind: 'read-figures' }
  /** Nodes of the wave are still moving; their ends ask for the next check. */
  | { kind: 'wave-running' }
  | { kind: 'end-wave'; metadata: WaveEndMetadata }
  /** Look again after `afterMs`: the pause or soak, or a silent node's first sample. */
  | { kind: 'wait'; afterMs: number; forTelemetry: boolean }
  | { kind: 'read-silent' }
  | { kind: 'read-flagged' }
  | { kind: 'halt'; reason: string; metadata: Record<string, unknown> }
  | { kind: 'complete'; metadata: { waves_total: number } }
  /** Start wave `wave`: its nodes up to `lastSeq` become due. */
  | { kind: 'next-wave'; wave: number; lastSeq: number; metadata: WaveMetadata };

/** One figure with at most two decimals. */
export const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * The rollout's next step: a wave ends once every node of it is RUNNING or FAILED, unless the
 * failed share of the admitted nodes is over the budget; the next wave starts after the pause
 * and, with a gate, the soak, once every RUNNING node of the wave has reported and no more than
 * the gate's share is flagged. Waves up to `overrideWave` skip the budget and the gate.
 */
export function decideRollout(f: RolloutFacts): RolloutStep {
  if (f.status !== RolloutStatus.RUNNING) return { kind: 'inactive' };
  const overridden = f.wave <= f.overrideWave;
  if (f.waveEndedAtMs === null) {
    if (f.figures === undefined) return { kind: 'read-figures' };
    return waveEnd(f, f.figures, overridden);
  }
  const gate = overridden ? null : f.strategy.gate;
  const waitMs = Math.max(
    f.strategy.wave_pause_seconds * 1000,
    gate ? gate.soak_seconds * 1000 : 0,
  );
  const remaining = f.waveEndedAtMs + waitMs - f.nowMs;
  const last = f.wave + 1 >= f.waveEnds.length;
  // Without a gate nothing follows the last wave that a pause would be for.
  if (remaining > 0 && !(last && !f.strategy.gate)) {
    return { kind: 'wait', afterMs: remaining, forTelemetry: false };
  }
  if (gate) {
    const [from, to] = waveRange(f.waveEnds, f.wave);
    const size = to - from + 1;
    if (f.silent === undefined) return { kind: 'read-silent' };
    // A node that has said nothing since its wave ended is not known to be healthy: the gate
    // waits for every RUNNING node of the wave to report, and halts past the grace.
    if (f.silent.length > 0) {
      const overdueInMs = remaining + f.telemetryGraceMs;
      if (overdueInMs > 0) {
        return {
          kind: 'wait',
          afterMs: Math.min(GATE_TELEMETRY_POLL_MS, overdueInMs),
          forTelemetry: true,
        };
      }
      const names = f.silent.slice(0, GATE_REASON_NAMES);
      const more =
        f.silent.length > names.length ? ` and ${f.silent.length - names.length} more` : '';
      return {
        kind: 'halt',
        reason: `telemetry gate: ${f.silent.length} of ${size} nodes of wave ${f.wave} reported no telemetry since the wave ended: ${names.join(', ')}${more}`,
        metadata: { ...waveMetadata(f.waveEnds, f.wave), silent: names },
      };
    }
    if (f.flagged === undefined) return { kind: 'read-flagged' };
    const share = (f.flagged.length * 100) / Math.max(1, size);
    if (share > gate.max_bottleneck_percent) {
      return {
        kind: 'halt',
        reason: `telemetry gate: ${f.flagged.length} of ${size} nodes of wave ${f.wave} flagged (${round2(share)}%), more than max_bottleneck_percent ${gate.max_bottleneck_percent}%: ${f.flagged.join(', ')}`,
        metadata: { ...waveMetadata(f.waveEnds, f.wave), flagged: f.flagged },
      };
    }
  }
  if (last) return { kind: 'complete', metadata: { waves_total: f.waveEnds.length } };
  const next = f.wave + 1;
  return {
    kind: 'next-wave',
    wave: next,
    lastSeq: waveRange(f.waveEnds, next)[1],
    metadata: waveMetadata(f.waveEnds, next),
  };
}

/** A wave whose end is not written yet: still running, over the failure budget, or ended. */
function waveEnd(f: RolloutFacts, figures: AdmittedFigures, overridden: boolean): RolloutStep {
  if (figures.wave_open > 0) return { kind: 'wave-running' };
  const failedPercent = figures.admitted > 0 ? (figures.failed * 100) / figures.admitted : 0;
  const budget = f.strategy.max_failure_percent;
  const metadata: WaveEndMetadata = {
    ...waveMetadata(f.waveEnds, f.wave),
    admitted: figures.admitted,
    failed: figures.failed,
    failed_percent: round2(failedPercent),
  };
  if (!overridden && failedPercent > budget) {
    return {
      kind: 'halt',
      reason: `failure budget: ${figures.failed} of ${figures.admitted} admitted nodes failed (${round2(failedPercent)}%), more than max_failure_percent ${budget}%`,
      metadata,
    };
  }
  return { kind: 'end-wave', metadata };
}
