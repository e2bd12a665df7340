import { NodeState } from '../../../src/domain/node-state';
import { CONFIGURING_MS, PROVISIONING_MS, failsConfiguration, stepDurationMs } from './node-timing';

const { PENDING, PROVISIONING, CONFIGURING, RUNNING, FAILED } = NodeState;

function failedShare(lastId: number, attempt: number, rate: number): number {
  let failed = 0;
  for (let id = 1; id <= lastId; id++) if (failsConfiguration(id, attempt, rate)) failed++;
  return failed / lastId;
}

function correlation(xs: number[], ys: number[]): number {
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

describe('step durations', () => {
  it('has the designed ranges', () => {
    expect(PROVISIONING_MS).toEqual({ min: 3000, max: 8000 });
    expect(CONFIGURING_MS).toEqual({ min: 5000, max: 12000 });
  });

  it('leaves PENDING at once', () => {
    for (let id = 1; id <= 100; id++) expect(stepDurationMs(PENDING, id, 0, 1)).toBe(0);
    expect(stepDurationMs(PENDING, 1, 3, 1000)).toBe(0);
  });

  // Pinned so a refactor cannot silently change every simulated rollout's schedule (the draw is
  // md5-based since the workers apply the model in SQL).
  it.each([
    [1, 6476, 11326],
    [2, 6102, 7364],
    [3, 4487, 7891],
  ])('node %i takes %i ms provisioning and %i ms configuring', (id, provisioning, configuring) => {
    expect(stepDurationMs(PROVISIONING, id, 0, 1)).toBe(provisioning);
    expect(stepDurationMs(CONFIGURING, id, 0, 1)).toBe(configuring);
  });

  it.each([
    [PROVISIONING, PROVISIONING_MS],
    [CONFIGURING, CONFIGURING_MS],
  ])('draws %s as whole ms spread uniformly over its range', (state, range) => {
    const values: number[] = [];
    for (let id = 1; id <= 10_000; id++) {
      for (let attempt = 0; attempt < 3; attempt++) {
        values.push(stepDurationMs(state, id, attempt, 1));
      }
    }
    expect(values.every(Number.isInteger)).toBe(true);
    const min = Math.min(...values);
    const max = Math.max(...values);
    expect(min).toBeGreaterThanOrEqual(range.min);
    expect(max).toBeLessThanOrEqual(range.max);
    // The whole range is reachable, not just its middle.
    expect(min).toBeLessThan(range.min + 10);
    expect(max).toBeGreaterThan(range.max - 10);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(Math.abs(mean - (range.min + range.max) / 2)).toBeLessThan(50);
  });

  it('is deterministic', () => {
    for (let id = 1; id <= 1000; id++) {
      expect(stepDurationMs(CONFIGURING, id, 2, 1)).toBe(stepDurationMs(CONFIGURING, id, 2, 1));
    }
  });

  it('draws provisioning and configuring independently', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => i + 1);
    const provisioning = ids.map((id) => stepDurationMs(PROVISIONING, id, 0, 1));
    const configuring = ids.map((id) => stepDurationMs(CONFIGURING, id, 0, 1));
    expect(Math.abs(correlation(provisioning, configuring))).toBeLessThan(0.03);
  });

  it('draws a retry afresh', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => i + 1);
    const first = ids.map((id) => stepDurationMs(CONFIGURING, id, 0, 1));
    const retry = ids.map((id) => stepDurationMs(CONFIGURING, id, 1, 1));
    expect(Math.abs(correlation(first, retry))).toBeLessThan(0.03);
  });

  describe('time scale', () => {
    it('makes every step instant at 0', () => {
      for (const state of [PENDING, PROVISIONING, CONFIGURING]) {
        for (let id = 1; id <= 100; id++) expect(stepDurationMs(state, id, 0, 0)).toBe(0);
      }
    });

    it.each([0.5, 0.37, 2, 10])('multiplies the duration by %p, rounded to whole ms', (scale) => {
      for (let id = 1; id <= 200; id++) {
        for (const state of [PROVISIONING, CONFIGURING]) {
          const scaled = stepDurationMs(state, id, 0, scale);
          expect(Number.isInteger(scaled)).toBe(true);
          expect(scaled).toBe(Math.round(stepDurationMs(state, id, 0, 1) * scale));
        }
      }
    });

    it.each([-1, NaN, Infinity])('rejects %p', (scale) => {
      expect(() => stepDurationMs(PROVISIONING, 1, 0, scale)).toThrow(RangeError);
    });
  });

  it.each([RUNNING, FAILED])('throws for the terminal state %s', (state) => {
    expect(() => stepDurationMs(state, 1, 0, 1)).toThrow(RangeError);
    expect(() => stepDurationMs(state, 1, 0, 1)).toThrow(`${state} has no scheduled step`);
  });

  it.each([
    [0, 0],
    [-5, 0],
    [1.5, 0],
    [1, -1],
    [1, 0.5],
    [1, NaN],
  ])('rejects node id %p with attempt %p', (id, attempt) => {
    expect(() => stepDurationMs(PROVISIONING, id, attempt, 1)).toThrow(RangeError);
    expect(() => failsConfiguration(id, attempt, 0.05)).toThrow(RangeError);
  });
});

describe('failsConfiguration', () => {
  it('never fails at rate 0 and always fails at rate 1', () => {
    for (let id = 1; id <= 10_000; id++) {
      expect(failsConfiguration(id, 0, 0)).toBe(false);
      expect(failsConfiguration(id, 3, 1)).toBe(true);
    }
  });

  it('fails 5% of ids 1..1000 within 0.02', () => {
    expect(Math.abs(failedShare(1000, 0, 0.05) - 0.05)).toBeLessThanOrEqual(0.02);
  });

  it.each([0, 1, 2])('fails 5%% of ids 1..100000 within 0.005 on attempt %i', (attempt) => {
    expect(Math.abs(failedShare(100_000, attempt, 0.05) - 0.05)).toBeLessThanOrEqual(0.005);
  });

  it.each([0.01, 0.25, 0.5, 0.9])('follows a rate of %p', (rate) => {
    expect(Math.abs(failedShare(100_000, 0, rate) - rate)).toBeLessThanOrEqual(0.005);
  });

  it('is deterministic', () => {
    for (let id = 1; id <= 1000; id++) {
      expect(failsConfiguration(id, 1, 0.3)).toBe(failsConfiguration(id, 1, 0.3));
    }
  });

  it('only adds failures as the rate rises', () => {
    for (let id = 1; id <= 10_000; id++) {
      if (failsConfiguration(id, 0, 0.05)) expect(failsConfiguration(id, 0, 0.1)).toBe(true);
    }
  });

  it('gives a retried node a fresh chance', () => {
    let failedFirst = 0;
    let failedAgain = 0;
    for (let id = 1; id <= 100_000; id++) {
      if (!failsConfiguration(id, 0, 0.05)) continue;
      failedFirst++;
      if (failsConfiguration(id, 1, 0.05)) failedAgain++;
    }
    expect(failedFirst).toBeGreaterThan(4000);
    // Independent attempts: a node that failed once fails again at the base rate, not always.
    expect(Math.abs(failedAgain / failedFirst - 0.05)).toBeLessThan(0.015);
  });

  it('is independent of how long the node takes', () => {
    const failing: number[] = [];
    const passing: number[] = [];
    for (let id = 1; id <= 100_000; id++) {
      const duration = stepDurationMs(CONFIGURING, id, 0, 1);
      (failsConfiguration(id, 0, 0.05) ? failing : passing).push(duration);
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    // Standard error of the failing mean is about 2021 / sqrt(5000) ≈ 29 ms.
    expect(Math.abs(mean(failing) - mean(passing))).toBeLessThan(120);
  });

  it.each([-0.01, 1.01, NaN])('rejects a rate of %p', (rate) => {
    expect(() => failsConfiguration(1, 0, rate)).toThrow(RangeError);
  });
});
