/** Which folded rows and raw samples the fast window statement reads for a window. */
import { AnalysisWindow } from '../domain/analysis-window';
import { HOUR_MS, MINUTE_MS } from '../domain/time';
import type { PrefixMarks } from '../telemetry/telemetry-rollups.repository';

/** How GROUPED_WINDOW reads the whole minutes [start, wholeTo] of a window. */
export interface PrefixTerms {
  /** Running-sum rows to add (prefixPlus) and to subtract (prefixMinus). */
  plus: Date[];
  minus: Date[];
  /** The first minute read from minute rollups (rollupsFrom). */
  rollupsFrom: Date;
}

/**
 * The running sums restart every UTC hour, so minutes [start, last] are the row at `last`, plus
 * the last row of every earlier hour they touch, minus the row just before `start` if that is in
 * start's hour. Only folded minutes are used (the trailing minute never: samples later than `to`
 * may cut it); the rest come from minute rollups.
 */
export function prefixTerms(start: Date, wholeTo: Date, marks: PrefixMarks | null): PrefixTerms {
  const none = { plus: [], minus: [], rollupsFrom: start };
  if (!marks || start.getTime() < marks.since.getTime()) return none;
  const last = Math.min(wholeTo.getTime(), marks.until.getTime()) - MINUTE_MS;
  if (last < start.getTime()) return none;
  const hourOf = (t: number) => Math.floor(t / HOUR_MS) * HOUR_MS;
  const plus = [new Date(last)];
  const minus =
    start.getTime() > hourOf(start.getTime()) ? [new Date(start.getTime() - MINUTE_MS)] : [];
  for (let h = hourOf(last); h > hourOf(start.getTime()); h -= HOUR_MS)
    plus.push(new Date(h - MINUTE_MS));
  return { plus, minus, rollupsFrom: new Date(last + MINUTE_MS) };
}

/**
 * Where the raw leading samples of the baseline end: the leading minute's folded 10-second
 * buckets cover the rest, so at most 10 s of raw samples are read. Unfolded: the whole minute.
 */
export function leadRawUntil(
  window: Pick<AnalysisWindow, 'from' | 'wholeFrom' | 'leadMinute'>,
  marks: PrefixMarks | null,
): Date {
  const lead = window.leadMinute.getTime();
  const folded =
    marks && marks.since.getTime() <= lead && lead + MINUTE_MS <= marks.until.getTime();
  if (!folded) return window.wholeFrom;
  return new Date(
    Math.min(Math.ceil(window.from.getTime() / 10_000) * 10_000, window.wholeFrom.getTime()),
  );
}
