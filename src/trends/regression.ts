/**
 * The pure arithmetic of trends, node histories and correlations, over the regression state
 * PostgreSQL's regr_* and corr aggregates keep: [N, Sx, Sxx, Sy, Syy, Sxy], where Sxx, Syy and
 * Sxy are centred on the means (Youngs-Cramer). The finals below are those of PostgreSQL
 * (float8_regr_slope, _intercept, _r2, float8_corr), so a state merged from per-minute states
 * gives the aggregates' own answers to rounding.
 */
import { median } from '../analytics/bottleneck-detector';

/** [N, Sx, Sxx, Sy, Syy, Sxy]. */
export type RegrState = readonly number[];

/** Fewer samples than this never make a trend significant. */
export const MIN_SIGNIFICANT_SAMPLES = 10;
/** |t| of the slope at or above this is significant. */
export const SIGNIFICANT_T = 2;
/** A residual sum of squares at or below this share of Syy is a fit without residual. */
const EXACT_FIT = 1e-12;

export interface LineFit {
  samples: number;
  /** Per minute of x. */
  slope: number | null;
  /** The fitted value at x = 0. */
  intercept: number | null;
  r2: number | null;
  /** slope / its standard error; null for fewer than 3 samples or a fit without residual. */
  tStat: number | null;
  significant: boolean;
}

/** The least-squares line of y on x, as regr_slope / regr_intercept / regr_r2 give it. */
export function fitLine(s: RegrState): LineFit {
  const [n, sx, sxx, sy, syy, sxy] = s;
  if (n < 1 || sxx === 0) {
    return { samples: n, slope: null, intercept: null, r2: null, tStat: null, significant: false };
  }
  const slope = sxy / sxx;
  const intercept = (sy - (sx * sxy) / sxx) / n;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  let tStat: number | null = null;
  let significant = false;
  if (n >= 3) {
    const sse = Math.max(0, syy - slope * sxy);
    if (sse <= EXACT_FIT * syy || syy === 0) {
      // The samples lie on the line: any non-zero slope is beyond doubt.
      significant = slope !== 0 && n >= MIN_SIGNIFICANT_SAMPLES;
    } else {
      tStat = slope / Math.sqrt(sse / (n - 2) / sxx);
      significant = Math.abs(tStat) >= SIGNIFICANT_T && n >= MIN_SIGNIFICANT_SAMPLES;
    }
  }
  return { samples: n, slope, intercept, r2, tStat, significant };
}

/**
 * The fitted value at x = `at`: mean(y) + slope·(at − mean(x)), which keeps the precision of
 * the means where x is far from 0 (regr_intercept with x measured from `at`).
 */
export function fittedAt(s: RegrState, slope: number, at: number): number {
  const [n, sx, , sy] = s;
  return sy / n + slope * (at - sx / n);
}

/** Pearson's r of the state's x and y, as corr gives it; null where either is constant. */
export function correlation(s: RegrState): number | null {
  const [n, , sxx, , syy, sxy] = s;
  if (n < 1 || sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

/** The mean of y, null for no samples. */
export function meanY(s: RegrState): number | null {
  return s[0] > 0 ? s[3] / s[0] : null;
}

/**
 * Minutes from now until the fitted line reaches `threshold`; null when it is flat off the
 * threshold or crossed it in the past (it moves away from it now).
 */
export function timeToThreshold(
  fittedNow: number,
  slope: number,
  threshold: number,
): number | null {
  const gap = threshold - fittedNow;
  if (slope === 0) return gap === 0 ? 0 : null;
  const minutes = gap / slope;
  return minutes >= 0 ? minutes : null;
}

/** Pearson's r of paired values (two passes, centred); null for fewer than 2 or a constant. */
export function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  const n = xs.length;
  if (n < 2 || ys.length !== n) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i];
    my += ys[i];
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - mx;
    const dy = ys[i] - my;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

/** Fewer baseline days than this leave a node unscored. */
export const MIN_BASELINE_DAYS = 3;
/** 0.6745 = Φ⁻¹(0.75): MAD · 1/0.6745 estimates σ of a normal distribution. */
const MAD_SCALE = 0.6745;

export interface HistoryScore {
  median: number;
  mad: number;
  /** Robust z of `value` against the days; null where the days do not vary. */
  z: number | null;
}

/**
 * A value against its past days' values: robust z = 0.6745·(value − median)/MAD. Null for fewer
 * than MIN_BASELINE_DAYS days; z null where the MAD is zero to rounding (1e-9 of the median).
 */
export function historyScore(value: number, days: readonly number[]): HistoryScore | null {
  if (days.length < MIN_BASELINE_DAYS) return null;
  const centre = median(days);
  const mad = median(days.map((d) => Math.abs(d - centre)));
  const flat = mad <= 1e-9 * Math.max(1, Math.abs(centre));
  return { median: centre, mad, z: flat ? null : (MAD_SCALE * (value - centre)) / mad };
}
