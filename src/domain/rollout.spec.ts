import {
  DEFAULT_STRATEGY,
  planWaveEnds,
  RolloutStrategy,
  waveMetadata,
  waveRange,
  waveSize,
} from './rollout';

const strategy = (s: Partial<RolloutStrategy>): RolloutStrategy => ({ ...DEFAULT_STRATEGY, ...s });

describe('planWaveEnds', () => {
  it('makes one wave of everything by default', () => {
    expect(planWaveEnds([{ from: 1, to: 10 }], 0, null)).toEqual([10]);
  });

  it('starts with the canary, then waves of the size, the last one short', () => {
    expect(planWaveEnds([{ from: 1, to: 10 }], 1, 4)).toEqual([1, 5, 9, 10]);
  });

  it('never lets a wave span two segments (role order)', () => {
    // 2 spines, 1 border leaf, 7 leaves
    const segments = [
      { from: 1, to: 2 },
      { from: 3, to: 3 },
      { from: 4, to: 10 },
    ];
    expect(planWaveEnds(segments, 1, 3)).toEqual([1, 2, 3, 6, 9, 10]);
    expect(planWaveEnds(segments, 0, null)).toEqual([2, 3, 10]);
  });

  it('takes a canary larger than the first segment from the next ones, as one wave each', () => {
    expect(
      planWaveEnds(
        [
          { from: 1, to: 2 },
          { from: 3, to: 10 },
        ],
        3,
        4,
      ),
    ).toEqual([2, 3, 7, 10]);
  });

  it('numbers waves from a later start when nodes are added to a waved deployment', () => {
    expect(planWaveEnds([{ from: 11, to: 15 }], 0, 2)).toEqual([12, 14, 15]);
  });

  it('skips empty segments and makes a canary of everything when it is larger than the fleet', () => {
    expect(
      planWaveEnds(
        [
          { from: 1, to: 0 },
          { from: 1, to: 3 },
        ],
        5,
        2,
      ),
    ).toEqual([3]);
  });
});

describe('waveSize and waveRange', () => {
  it('takes wave_size as it is and wave_percent of the fleet, rounded up, at least one', () => {
    expect(waveSize(strategy({ wave_size: 50 }), 1000)).toBe(50);
    expect(waveSize(strategy({ wave_percent: 10 }), 1001)).toBe(101);
    expect(waveSize(strategy({ wave_percent: 1 }), 5)).toBe(1);
    expect(waveSize(strategy({}), 5)).toBeNull();
  });

  it('gives each wave its node numbers', () => {
    const ends = [1, 5, 9, 10];
    expect([0, 1, 2, 3].map((w) => waveRange(ends, w))).toEqual([
      [1, 1],
      [2, 5],
      [6, 9],
      [10, 10],
    ]);
  });
});

describe('waveMetadata', () => {
  it("names the wave, the number of waves and the wave's node numbers", () => {
    expect(waveMetadata([1, 5, 9, 10], 0)).toEqual({
      wave: 0,
      waves_total: 4,
      first_seq: 1,
      last_seq: 1,
    });
    expect(waveMetadata([1, 5, 9, 10], 2)).toEqual({
      wave: 2,
      waves_total: 4,
      first_seq: 6,
      last_seq: 9,
    });
  });
});
