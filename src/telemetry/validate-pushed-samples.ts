import { parseIsoDate } from '../common/iso-date';
import { MAX_PUSH_SAMPLES } from './dto/push-telemetry.dto';
import { SampleColumns } from './sample-columns';

export class SampleValidationError extends Error {}

const FIELDS = new Set(['node_id', 'timestamp', 'latency_ms', 'throughput_gbps', 'error_rate']);
const METRICS = [
  ['latency_ms', 0, Infinity],
  ['throughput_gbps', 0, Infinity],
  ['error_rate', 0, 100],
] as const;

/**
 * Checks a pushed batch field by field and returns it as columns. Each metric may be null (NaN
 * in its column), but not all three; a metric left out is an error, as before. Hand-written rather than
 * class-validator: it runs over 10,000 samples per request and must name the first bad index.
 */
export function validatePushedSamples(
  samples: unknown[],
  now: Date,
  window: { oldest: Date; newest: Date },
): SampleColumns {
  if (samples.length === 0)
    throw new SampleValidationError('samples must contain at least 1 sample');
  if (samples.length > MAX_PUSH_SAMPLES) {
    throw new SampleValidationError(
      `samples must contain at most ${MAX_PUSH_SAMPLES} samples (got ${samples.length}); split the batch`,
    );
  }
  const n = samples.length;
  const columns: SampleColumns = {
    nodeIds: new Array<number>(n),
    timestamps: new Array<Date>(n),
    latency: new Float64Array(n),
    throughput: new Float64Array(n),
    errorRate: new Float64Array(n),
  };
  const out = [columns.latency, columns.throughput, columns.errorRate] as Float64Array[];
  for (let i = 0; i < n; i++) {
    const sample = samples[i] as Record<string, unknown>;
    const at = `samples[${i}]`;
    if (typeof sample !== 'object' || sample === null || Array.isArray(sample)) {
      throw new SampleValidationError(`${at} must be an object`);
    }
    for (const key of Object.keys(sample)) {
      if (!FIELDS.has(key)) throw new SampleValidationError(`${at}.${key} is not a known field`);
    }
    const nodeId = sample.node_id;
    if (
      typeof nodeId !== 'number' ||
      !Number.isInteger(nodeId) ||
      nodeId < 1 ||
      nodeId > 2_147_483_647
    ) {
      throw new SampleValidationError(`${at}.node_id must be a positive integer node id`);
    }
    columns.nodeIds[i] = nodeId;
    if (sample.timestamp === undefined || sample.timestamp === null) {
      columns.timestamps[i] = now;
    } else {
      const ts = parseIsoDate(sample.timestamp);
      if (!ts)
        throw new SampleValidationError(
          `${at}.timestamp must be an ISO 8601 date-time such as 2026-11-27T10:00:00Z`,
        );
      if (ts < window.oldest || ts > window.newest) {
        throw new SampleValidationError(
          `${at}.timestamp must be between ${window.oldest.toISOString()} (retention) and ${window.newest.toISOString()}`,
        );
      }
      columns.timestamps[i] = ts;
    }
    let present = 0;
    for (let k = 0; k < METRICS.length; k++) {
      const [name, min, max] = METRICS[k];
      const value = sample[name];
      if (value === null) {
        // A missing metric: NaN in the column, stored as NULL (never as 0).
        out[k][i] = NaN;
        continue;
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new SampleValidationError(`${at}.${name} must be a finite number or null`);
      }
      if (value < min || value > max) {
        throw new SampleValidationError(
          max === Infinity
            ? `${at}.${name} must not be less than ${min}`
            : `${at}.${name} must be between ${min} and ${max}`,
        );
      }
      out[k][i] = value;
      present++;
    }
    if (present === 0) {
      throw new SampleValidationError(
        `${at} must carry at least one of latency_ms, throughput_gbps and error_rate`,
      );
    }
  }
  return columns;
}
