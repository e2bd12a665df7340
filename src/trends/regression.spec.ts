import {
  correlation,
  fitLine,
  historyScore,
  meanY,
  pearson,
  RegrState,
  timeToThreshold,
} from './regression';

/** The state regr_* keeps, computed plainly from points (centred sums). */
function stateOf(points: [number, number][]): RegrState {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
    sxy += (x - mx) * (y - my);
  }
  return [n, mx * n, sxx, my * n, syy, sxy];
}

describe('fitLine', () => {
  it('fits a line through exact points: slope, intercept, r2 = 1, significant without a t', () => {
    const pts: [number, number][] = Array.from({ length: 12 }, (_, i) => [
      i - 11,
      40 + 0.5 * (i - 11),
    ]);
    const fit = fitLine(stateOf(pts));
    expect(fit.slope).toBeCloseTo(0.5, 12);
    expect(fit.intercept).toBeCloseTo(40, 12);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(fit.tStat).toBeNull();
    expect(fit.significant).toBe(true);
  });

  it('gives t = slope / standard error and needs 10 samples to call it significant', () => {
    const pts: [number, number][] = [
      [0, 1],
      [1, 3],
      [2, 2],
      [3, 5],
      [4, 4],
    ];
    const fit = fitLine(stateOf(pts));
    // slope 8/10, residuals' SSE 10 − 0.8·8 = 3.6 over 3 degrees of freedom, Sxx 10.
    expect(fit.slope).toBeCloseTo(0.8, 12);
    expect(fit.tStat).toBeCloseTo(0.8 / Math.sqrt(3.6 / 3 / 10), 12);
    expect(fit.significant).toBe(false);
  });

  it('has no line without spread in time, and r2 = 1 for a flat line (as regr_r2)', () => {
    expect(
      fitLine(
        stateOf([
          [1, 2],
          [1, 3],
        ]),
      ).slope,
    ).toBeNull();
    expect(fitLine([0, 0, 0, 0, 0, 0]).slope).toBeNull();
    const flat = fitLine(
      stateOf([
        [0, 5],
        [1, 5],
        [2, 5],
      ]),
    );
    expect({ slope: flat.slope, r2: flat.r2, significant: flat.significant }).toEqual({
      slope: 0,
      r2: 1,
      significant: false,
    });
  });
});

describe('timeToThreshold', () => {
  it('is the minutes until the line reaches the threshold, null once it moves away from it', () => {
    expect(timeToThreshold(40, 0.5, 50)).toBe(20);
    expect(timeToThreshold(60, -2, 50)).toBe(5);
    expect(timeToThreshold(55, 0.5, 50)).toBeNull();
    expect(timeToThreshold(40, -0.5, 50)).toBeNull();
    expect(timeToThreshold(40, 0, 50)).toBeNull();
    expect(timeToThreshold(50, 0, 50)).toBe(0);
  });
});

describe('correlation and pearson', () => {
  it('agree with each other and are null for a constant', () => {
    const xs = [1, 2, 3, 4, 5];
    const ys = [2, 4, 5, 4, 5];
    const r = pearson(xs, ys)!;
    expect(r).toBeCloseTo(0.7745966692414834, 12);
    expect(correlation(stateOf(xs.map((x, i) => [x, ys[i]])))).toBeCloseTo(r, 12);
    expect(pearson([1, 2, 3], [4, 4, 4])).toBeNull();
    expect(pearson([1], [2])).toBeNull();
    expect(
      meanY(
        stateOf([
          [0, 2],
          [1, 4],
        ]),
      ),
    ).toBe(3);
    expect(meanY([0, 0, 0, 0, 0, 0])).toBeNull();
  });
});

describe('historyScore', () => {
  it('is the robust z against the median and MAD of the past days, from 3 days on', () => {
    const score = historyScore(70, [40, 42, 41, 44, 39])!;
    // median 41, deviations 1, 1, 0, 3, 2: MAD 1.
    expect(score).toEqual({ median: 41, mad: 1, z: 0.6745 * 29 });
    expect(historyScore(70, [40, 42])).toBeNull();
    expect(historyScore(70, [40, 40, 40])!.z).toBeNull();
  });
});
