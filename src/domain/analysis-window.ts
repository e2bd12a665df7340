import { MINUTE_MS } from './time';

/**
 * An analysis window split at whole minutes: [wholeFrom, wholeTo) comes from rollups; the
 * partial minutes [from, wholeFrom) and [wholeTo, to] from raw samples. The leading partial
 * minute starts at leadMinute; when `from` falls in its first half (leadByComplement), its
 * per-node sums are cheaper as the minute's rollup minus the fewer samples in [leadMinute, from).
 */
export interface AnalysisWindow {
  from: Date;
  to: Date;
  wholeFrom: Date;
  wholeTo: Date;
  leadMinute: Date;
  leadByComplement: boolean;
}

/** The window of `minutes` that ends at `to`. */
export function splitWindow(to: Date, minutes: number): AnalysisWindow {
  const from = new Date(to.getTime() - minutes * MINUTE_MS);
  const wholeFrom = new Date(Math.ceil(from.getTime() / MINUTE_MS) * MINUTE_MS);
  const leadMinute = new Date(wholeFrom.getTime() - MINUTE_MS);
  return {
    from,
    to,
    wholeFrom,
    wholeTo: new Date(Math.floor(to.getTime() / MINUTE_MS) * MINUTE_MS),
    leadMinute,
    leadByComplement: from.getTime() - leadMinute.getTime() < MINUTE_MS / 2,
  };
}
