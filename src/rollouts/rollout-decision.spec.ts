import { DEFAULT_STRATEGY, RolloutStatus, RolloutStrategy } from '../domain/rollout';
import { decideRollout, GATE_TELEMETRY_POLL_MS, RolloutFacts } from './rollout-decision';

const strategy = (s: Partial<RolloutStrategy> = {}): RolloutStrategy => ({
  ...DEFAULT_STRATEGY,
  ...s,
});

const NOW = 1_000_000;
const gate = { soak_seconds: 30, max_bottleneck_percent: 10 };

/** Wave 1 of [2, 12, 22] (nodes 3..12), running, not overridden. */
const facts = (f: Partial<RolloutFacts> = {}): RolloutFacts => ({
  status: RolloutStatus.RUNNING,
  strategy: strategy(),
  wave: 1,
  waveEnds: [2, 12, 22],
  overrideWave: -1,
  waveEndedAtMs: null,
  telemetryGraceMs: 60_000,
  nowMs: NOW,
  ...f,
});

const where = { wave: 1, waves_total: 3, first_seq: 3, last_seq: 12 };

describe('decideRollout', () => {
  it('does nothing for a rollout that is not running', () => {
    for (const status of [
      RolloutStatus.PAUSED,
      RolloutStatus.HALTED,
      RolloutStatus.ABORTED,
      RolloutStatus.COMPLETED,
    ]) {
      expect(decideRollout(facts({ status }))).toEqual({ kind: 'inactive' });
    }
  });

  describe('a wave not ended yet', () => {
    it('asks for the figures first', () => {
      expect(decideRollout(facts())).toEqual({ kind: 'read-figures' });
    });

    it('waits while a node of the wave is still moving', () => {
      const step = decideRollout(facts({ figures: { admitted: 12, failed: 0, wave_open: 1 } }));
      expect(step).toEqual({ kind: 'wave-running' });
    });

    it('ends the wave with its figures when every node is done within the budget', () => {
      const step = decideRollout(
        facts({
          strategy: strategy({ max_failure_percent: 10 }),
          figures: { admitted: 12, failed: 1, wave_open: 0 },
        }),
      );
      expect(step).toEqual({
        kind: 'end-wave',
        metadata: { ...where, admitted: 12, failed: 1, failed_percent: 8.33 },
      });
    });

    it('ends the wave when the failed share equals the budget', () => {
      const step = decideRollout(
        facts({
          strategy: strategy({ max_failure_percent: 25 }),
          figures: { admitted: 12, failed: 3, wave_open: 0 },
        }),
      );
      expect(step.kind).toBe('end-wave');
    });

    it('halts, naming the figures, when the failed share is over the budget', () => {
      const step = decideRollout(
        facts({
          strategy: strategy({ max_failure_percent: 10 }),
          figures: { admitted: 12, failed: 2, wave_open: 0 },
        }),
      );
      expect(step).toEqual({
        kind: 'halt',
        reason:
          'failure budget: 2 of 12 admitted nodes failed (16.67%), more than max_failure_percent 10%',
        metadata: { ...where, admitted: 12, failed: 2, failed_percent: 16.67 },
      });
    });

    it('ends a wave of no admitted nodes at 0% failed', () => {
      const step = decideRollout(
        facts({
          strategy: strategy({ max_failure_percent: 0 }),
          figures: { admitted: 0, failed: 0, wave_open: 0 },
        }),
      );
      expect(step).toEqual({
        kind: 'end-wave',
        metadata: { ...where, admitted: 0, failed: 0, failed_percent: 0 },
      });
    });

    it('ends an overridden wave whatever the budget says', () => {
      const step = decideRollout(
        facts({
          overrideWave: 1,
          strategy: strategy({ max_failure_percent: 0 }),
          figures: { admitted: 12, failed: 12, wave_open: 0 },
        }),
      );
      expect(step.kind).toBe('end-wave');
    });
  });

  describe('after the wave ended', () => {
    it('starts the next wave at once without a pause or gate', () => {
      expect(decideRollout(facts({ waveEndedAtMs: NOW }))).toEqual({
        kind: 'next-wave',
        wave: 2,
        lastSeq: 22,
        metadata: { wave: 2, waves_total: 3, first_seq: 13, last_seq: 22 },
      });
    });

    it('waits out the rest of the pause', () => {
      const step = decideRollout(
        facts({ strategy: strategy({ wave_pause_seconds: 10 }), waveEndedAtMs: NOW - 4_000 }),
      );
      expect(step).toEqual({ kind: 'wait', afterMs: 6_000, forTelemetry: false });
    });

    it('starts the next wave once the pause is over', () => {
      const step = decideRollout(
        facts({ strategy: strategy({ wave_pause_seconds: 10 }), waveEndedAtMs: NOW - 10_000 }),
      );
      expect(step.kind).toBe('next-wave');
    });

    it('waits for the longer of the pause and the soak', () => {
      const soakLonger = decideRollout(
        facts({ strategy: strategy({ wave_pause_seconds: 10, gate }), waveEndedAtMs: NOW }),
      );
      expect(soakLonger).toEqual({ kind: 'wait', afterMs: 30_000, forTelemetry: false });
      const pauseLonger = decideRollout(
        facts({ strategy: strategy({ wave_pause_seconds: 50, gate }), waveEndedAtMs: NOW }),
      );
      expect(pauseLonger).toEqual({ kind: 'wait', afterMs: 50_000, forTelemetry: false });
    });

    it('skips the soak, not the pause, of an overridden wave', () => {
      const step = decideRollout(
        facts({
          overrideWave: 1,
          strategy: strategy({ wave_pause_seconds: 10, gate }),
          waveEndedAtMs: NOW,
        }),
      );
      expect(step).toEqual({ kind: 'wait', afterMs: 10_000, forTelemetry: false });
      const paused = decideRollout(
        facts({
          overrideWave: 1,
          strategy: strategy({ wave_pause_seconds: 10, gate }),
          waveEndedAtMs: NOW - 10_000,
        }),
      );
      expect(paused.kind).toBe('next-wave');
    });

    it('completes the last wave without its pause when there is no gate', () => {
      const step = decideRollout(
        facts({ wave: 2, strategy: strategy({ wave_pause_seconds: 10 }), waveEndedAtMs: NOW }),
      );
      expect(step).toEqual({ kind: 'complete', metadata: { waves_total: 3 } });
    });

    it('waits out the soak of the last wave when there is a gate', () => {
      const step = decideRollout(
        facts({ wave: 2, strategy: strategy({ gate }), waveEndedAtMs: NOW }),
      );
      expect(step).toEqual({ kind: 'wait', afterMs: 30_000, forTelemetry: false });
    });

    it('ignores the figures once the wave has ended', () => {
      const step = decideRollout(
        facts({ waveEndedAtMs: NOW, figures: { admitted: 12, failed: 12, wave_open: 3 } }),
      );
      expect(step.kind).toBe('next-wave');
    });
  });

  describe('the telemetry gate after the soak', () => {
    const soaked = (f: Partial<RolloutFacts> = {}) =>
      facts({ strategy: strategy({ gate }), waveEndedAtMs: NOW - 30_000, ...f });

    it('asks which RUNNING nodes of the wave are silent', () => {
      expect(decideRollout(soaked())).toEqual({ kind: 'read-silent' });
    });

    it('polls for a silent node while within the grace', () => {
      expect(decideRollout(soaked({ silent: ['leaf-3'] }))).toEqual({
        kind: 'wait',
        afterMs: GATE_TELEMETRY_POLL_MS,
        forTelemetry: true,
      });
    });

    it('looks again no later than the end of the grace', () => {
      const step = decideRollout(soaked({ silent: ['leaf-3'], nowMs: NOW + 59_600 }));
      expect(step).toEqual({ kind: 'wait', afterMs: 400, forTelemetry: true });
    });

    it('halts past the grace, naming the silent nodes', () => {
      const step = decideRollout(soaked({ silent: ['leaf-3', 'leaf-4'], nowMs: NOW + 60_000 }));
      expect(step).toEqual({
        kind: 'halt',
        reason:
          'telemetry gate: 2 of 10 nodes of wave 1 reported no telemetry since the wave ended: leaf-3, leaf-4',
        metadata: { ...where, silent: ['leaf-3', 'leaf-4'] },
      });
    });

    it('names at most twenty silent nodes and counts the rest', () => {
      const silent = Array.from({ length: 23 }, (_, i) => `n-${i}`);
      const step = decideRollout(soaked({ silent, nowMs: NOW + 60_000 }));
      if (step.kind !== 'halt') throw new Error(`expected a halt, got ${step.kind}`);
      expect(step.reason).toMatch(/: n-0, .*, n-19 and 3 more$/);
      expect(step.metadata.silent).toEqual(silent.slice(0, 20));
    });

    it('asks for the flagged nodes once every node has reported', () => {
      expect(decideRollout(soaked({ silent: [] }))).toEqual({ kind: 'read-flagged' });
    });

    it('starts the next wave when the flagged share is within the gate', () => {
      const step = decideRollout(soaked({ silent: [], flagged: ['leaf-5'] }));
      expect(step.kind).toBe('next-wave');
    });

    it('halts, naming the flagged nodes, when their share is over the gate', () => {
      const step = decideRollout(soaked({ silent: [], flagged: ['leaf-5', 'leaf-9'] }));
      expect(step).toEqual({
        kind: 'halt',
        reason:
          'telemetry gate: 2 of 10 nodes of wave 1 flagged (20%), more than max_bottleneck_percent 10%: leaf-5, leaf-9',
        metadata: { ...where, flagged: ['leaf-5', 'leaf-9'] },
      });
    });

    it('completes the last wave when it passes', () => {
      const step = decideRollout(soaked({ wave: 2, silent: [], flagged: [] }));
      expect(step).toEqual({ kind: 'complete', metadata: { waves_total: 3 } });
    });

    it('is skipped for an overridden wave', () => {
      expect(decideRollout(soaked({ overrideWave: 1 })).kind).toBe('next-wave');
    });
  });
});
