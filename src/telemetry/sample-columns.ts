/** A batch of samples as columns: what the bulk writer sends in one statement. */
export interface SampleColumns {
  nodeIds: number[];
  timestamps: Date[];
  latency: ArrayLike<number>;
  throughput: ArrayLike<number>;
  errorRate: ArrayLike<number>;
}
