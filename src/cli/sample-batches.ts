/** The API takes at most this many samples per request. */
export const MAX_BATCH = 10_000;

export interface Batch {
  /** 1-based number of the batch's first sample in the file. */
  first: number;
  /** 1-based number of its last sample. */
  last: number;
}

/** Cuts samples from..total (1-based, inclusive) into batches of `size`. */
export function sampleBatches(total: number, size: number, from = 1): Batch[] {
  if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH) {
    throw new RangeError(`batch size must be 1..${MAX_BATCH}, got ${size}`);
  }
  if (!Number.isInteger(from) || from < 1 || from > total) {
    throw new RangeError(`--from must be a sample number 1..${total}, got ${from}`);
  }
  const batches: Batch[] = [];
  for (let first = from; first <= total; first += size) {
    batches.push({ first, last: Math.min(total, first + size - 1) });
  }
  return batches;
}
