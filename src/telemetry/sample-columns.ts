/** A batch of samples as columns: what the bulk writer sends in one statement. */
export interface SampleColumns {
  nodeIds: number[];
  timestamps: Date[];
  /** Per metric: null, or NaN in a Float64Array, where the sample lacks it (not all three). */
  latency: ArrayLike<number | null>;
  throughput: ArrayLike<number | null>;
  errorRate: ArrayLike<number | null>;
}
