import type { BottlenecksResponse } from '../analytics/dto/bottlenecks.response';

/** Whether a metric's z reaches the threshold; a metric the node has no samples of (z null) never does. */
const reaches = (z: number | null, threshold: number) => z !== null && z >= threshold;

/** The detector's answer as it would be at a higher threshold. */
export function atThreshold(
  result: BottlenecksResponse | null,
  threshold: number,
): BottlenecksResponse | null {
  if (result === null || result.threshold === threshold) return result;
  const bottlenecks = result.bottlenecks
    .filter((b) => Object.values(b.metrics).some((v) => reaches(v.z, threshold)))
    .map((b) => ({
      ...b,
      metrics: Object.fromEntries(
        Object.entries(b.metrics).map(([k, v]) => [
          k,
          { ...v, triggered: reaches(v.z, threshold) },
        ]),
      ) as unknown as typeof b.metrics,
    }));
  return { ...result, threshold, bottlenecks, total_bottlenecks: bottlenecks.length };
}
