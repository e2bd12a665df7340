import { TRANSITION_LATENESS_BUCKETS, WorkerMetrics } from './worker-metrics';

describe('WorkerMetrics', () => {
  it('takes a batch statement summary: transitions, batch size and the lateness histogram', async () => {
    const metrics = new WorkerMetrics();
    const le = (values: number[]) =>
      TRANSITION_LATENESS_BUCKETS.map((bound) => values.filter((v) => v <= bound).length);
    metrics.observeTransitions([
      { moved: 3, lateness_le: le([0.01, 0.3, 2]), lateness_sum: 2.31 },
      { moved: 1, lateness_le: le([90]), lateness_sum: 90 },
    ]);
    metrics.observeTransitions([]);
    const text = await metrics.registry.metrics();
    const name = 'netorch_lifecycle_transition_lateness_seconds';
    expect(text).toContain('netorch_lifecycle_transitions_total 4');
    expect(text).toContain(`# TYPE ${name} histogram`);
    expect(text).toContain(`${name}_bucket{le="0.05"} 1`);
    expect(text).toContain(`${name}_bucket{le="0.5"} 2`);
    expect(text).toContain(`${name}_bucket{le="60"} 3`);
    expect(text).toContain(`${name}_bucket{le="+Inf"} 4`);
    expect(text).toContain(`${name}_sum 92.31`);
    expect(text).toContain(`${name}_count 4`);
    // One batch statement moved 4 nodes; the empty one is not a batch.
    expect(text).toContain('netorch_lifecycle_batch_size_count 1');
    expect(text).toContain('netorch_lifecycle_batch_size_sum 4');
  });

  it('reports the fold lag from the last folded minute, and nothing before a fold', async () => {
    const metrics = new WorkerMetrics();
    expect(await metrics.registry.metrics()).not.toMatch(/^netorch_telemetry_fold_lag_seconds /m);
    metrics.folded(new Date(Date.now() - 65_000));
    const lag = /^netorch_telemetry_fold_lag_seconds (\S+)$/m.exec(
      await metrics.registry.metrics(),
    );
    expect(Number(lag?.[1])).toBeGreaterThanOrEqual(65);
    expect(Number(lag?.[1])).toBeLessThan(120);
  });
});
