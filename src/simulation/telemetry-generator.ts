import { NodeRole } from '../domain/node-role';
import { hash3, toUnitInterval } from './deterministic-random';

/**
 * The simulated device: what a node reports at a given time. A pure function of
 * (node, time), so a telemetry shard that runs twice writes identical samples, and the same
 * stable minority of nodes is slow in every run, which is what bottleneck detection must find.
 */

export interface MetricSample {
  latencyMs: number;
  throughputGbps: number;
  /** A percentage, 0..100. */
  errorRate: number;
}

/** Preallocated columns for {@link fillSamples}; index i holds the sample of node i. */
export interface MetricColumns {
  latency: Float64Array;
  throughput: Float64Array;
  errorRate: Float64Array;
}

/** centre + drift·load + jitter·(triangular noise in [-1, 1]), clamped to [min, max]. */
export interface MetricModel {
  readonly centre: number;
  /** Signed: load raises latency and errors but lowers throughput. */
  readonly drift: number;
  readonly jitter: number;
  readonly min: number;
  readonly max: number;
}

export interface NodeProfile {
  readonly latencyMs: MetricModel;
  readonly throughputGbps: MetricModel;
  readonly errorRate: MetricModel;
}

// min/max are the design's ranges; centre ± |drift| ± jitter reaches exactly that far, so the
// clamp only guards rounding.
export const HEALTHY_PROFILE: NodeProfile = Object.freeze({
  latencyMs: { centre: 10, drift: 3, jitter: 6, min: 1, max: 20 },
  throughputGbps: { centre: 9.1, drift: -0.4, jitter: 0.5, min: 8, max: 10 },
  errorRate: { centre: 0.25, drift: 0.05, jitter: 0.2, min: 0, max: 0.5 },
});

export const SLOW_PROFILE: NodeProfile = Object.freeze({
  latencyMs: { centre: 70, drift: 8, jitter: 12, min: 50, max: 90 },
  throughputGbps: { centre: 3.5, drift: -0.5, jitter: 1, min: 2, max: 5 },
  errorRate: { centre: 3, drift: 0.6, jitter: 1.4, min: 1, max: 5 },
});

/**
 * Spines carry the traffic of every leaf: four times a leaf's throughput, a few ms more
 * latency. The seed's slow minority applies to them too (slow spine: four times a slow leaf's
 * throughput, a slow leaf's latency and errors).
 */
export const SPINE_PROFILE: NodeProfile = Object.freeze({
  latencyMs: { centre: 14, drift: 3, jitter: 5, min: 6, max: 22 },
  throughputGbps: { centre: 36.4, drift: -1.6, jitter: 2, min: 32, max: 40 },
  errorRate: { centre: 0.25, drift: 0.05, jitter: 0.2, min: 0, max: 0.5 },
});

export const SLOW_SPINE_PROFILE: NodeProfile = Object.freeze({
  latencyMs: SLOW_PROFILE.latencyMs,
  throughputGbps: { centre: 14, drift: -2, jitter: 4, min: 8, max: 20 },
  errorRate: SLOW_PROFILE.errorRate,
});

/** Border leaves carry the fabric's external traffic too: twice a leaf's throughput. */
export const BORDER_LEAF_PROFILE: NodeProfile = Object.freeze({
  latencyMs: HEALTHY_PROFILE.latencyMs,
  throughputGbps: { centre: 18.2, drift: -0.8, jitter: 1, min: 16, max: 20 },
  errorRate: HEALTHY_PROFILE.errorRate,
});

export const SLOW_BORDER_LEAF_PROFILE: NodeProfile = Object.freeze({
  latencyMs: SLOW_PROFILE.latencyMs,
  throughputGbps: { centre: 7, drift: -1, jitter: 2, min: 4, max: 10 },
  errorRate: SLOW_PROFILE.errorRate,
});

/** What a node of `role` reports, healthy or in the slow minority. */
export function profileOf(role: NodeRole, nodeSeq: number): NodeProfile {
  const slow = isSlowNode(nodeSeq);
  switch (role) {
    case NodeRole.SPINE:
      return slow ? SLOW_SPINE_PROFILE : SPINE_PROFILE;
    case NodeRole.BORDER_LEAF:
      return slow ? SLOW_BORDER_LEAF_PROFILE : BORDER_LEAF_PROFILE;
    default:
      return slow ? SLOW_PROFILE : HEALTHY_PROFILE;
  }
}

/** A slow load cycle, long against the collection interval so charts show it. */
export const DRIFT_PERIOD_MS = 600_000;
/** Jitter holds still within a bucket: readings a few ms apart are one reading, not fresh noise. */
export const JITTER_BUCKET_MS = 1_000;

const TWO_PI = 2 * Math.PI;
const PHASE_SALT = 0x5048;
const LATENCY_SALT = 0x4c41;
const THROUGHPUT_SALT = 0x5448;
const ERROR_RATE_SALT = 0x4552;

/** The seed's stable minority: nodes 8 and 9 of every ten ("node-008", "node-019", ...). */
export function isSlowNode(nodeSeq: number): boolean {
  const digit = nodeSeq % 10;
  return digit === 8 || digit === 9;
}

export function generateSample(
  nodeId: number,
  nodeSeq: number,
  timestampMs: number,
  role: NodeRole = NodeRole.LEAF,
  uplinkDelayMs = 0,
): MetricSample {
  assertTimestamp(timestampMs);
  const profile = profileOf(role, nodeSeq);
  const load = driftLoad(nodeId, timestampMs);
  const bucket = Math.floor(timestampMs / JITTER_BUCKET_MS);
  const delay = role === NodeRole.SPINE ? 0 : uplinkDelayMs;
  return {
    latencyMs: metric(profile.latencyMs, load, hash3(nodeId, bucket, LATENCY_SALT)) + delay,
    throughputGbps: metric(profile.throughputGbps, load, hash3(nodeId, bucket, THROUGHPUT_SALT)),
    errorRate: metric(profile.errorRate, load, hash3(nodeId, bucket, ERROR_RATE_SALT)),
  };
}

/**
 * The latency a fabric's slow spines add to each leaf and border leaf at `timestampMs`: every
 * RUNNING spine of the slow minority carries 1/S of a leaf's uplinks (S spines in the fabric),
 * so it adds 1/S of its own excess over a healthy spine's centre latency.
 */
export function uplinkDelayMs(
  runningSpines: readonly { id: number; seq: number }[],
  spineCount: number,
  timestampMs: number,
): number {
  if (spineCount === 0) return 0;
  let excess = 0;
  for (const spine of runningSpines) {
    if (!isSlowNode(spine.seq)) continue;
    const latency = generateSample(spine.id, spine.seq, timestampMs, NodeRole.SPINE).latencyMs;
    excess += Math.max(0, latency - SPINE_PROFILE.latencyMs.centre);
  }
  return excess / spineCount;
}

/**
 * {@link generateSample} for a whole shard at one time, without an object per sample. Without
 * `roles` every node is a leaf (a deployment without a topology); `uplinkDelay` is added to the
 * latency of every leaf and border leaf (see {@link uplinkDelayMs}).
 */
export function fillSamples(
  nodeIds: Int32Array | readonly number[],
  nodeSeqs: Int32Array | readonly number[],
  timestampMs: number,
  out: MetricColumns,
  roles?: readonly NodeRole[],
  uplinkDelay = 0,
): void {
  assertTimestamp(timestampMs);
  const count = nodeIds.length;
  if (nodeSeqs.length !== count) {
    throw new RangeError(`${count} node ids but ${nodeSeqs.length} node sequence numbers`);
  }
  if (roles && roles.length !== count) {
    throw new RangeError(`${count} node ids but ${roles.length} roles`);
  }
  if (out.latency.length < count || out.throughput.length < count || out.errorRate.length < count) {
    throw new RangeError(`Output columns are shorter than the ${count} nodes to fill`);
  }
  const bucket = Math.floor(timestampMs / JITTER_BUCKET_MS);
  for (let i = 0; i < count; i++) {
    const nodeId = nodeIds[i];
    const role = roles ? roles[i] : NodeRole.LEAF;
    const profile = profileOf(role, nodeSeqs[i]);
    const load = driftLoad(nodeId, timestampMs);
    const delay = role === NodeRole.SPINE ? 0 : uplinkDelay;
    out.latency[i] = metric(profile.latencyMs, load, hash3(nodeId, bucket, LATENCY_SALT)) + delay;
    out.throughput[i] = metric(
      profile.throughputGbps,
      load,
      hash3(nodeId, bucket, THROUGHPUT_SALT),
    );
    out.errorRate[i] = metric(profile.errorRate, load, hash3(nodeId, bucket, ERROR_RATE_SALT));
  }
}

/** The node's position in its load cycle, -1..1; the phase differs per node so peaks spread out. */
function driftLoad(nodeId: number, timestampMs: number): number {
  // Keyed by the node alone (0 where other draws put time), so a node's phase never moves.
  const phase = toUnitInterval(hash3(PHASE_SALT, nodeId, 0));
  // Reducing the timestamp first keeps sin's argument small and exact.
  return Math.sin(TWO_PI * ((timestampMs % DRIFT_PERIOD_MS) / DRIFT_PERIOD_MS + phase));
}

function metric(model: MetricModel, load: number, hash: number): number {
  // Two 16-bit halves of one hash summed: a triangular spread, so values cluster near the centre.
  const noise = ((hash & 0xffff) + (hash >>> 16)) / 65536 - 1;
  const value = model.centre + model.drift * load + model.jitter * noise;
  return value < model.min ? model.min : value > model.max ? model.max : value;
}

function assertTimestamp(timestampMs: number): void {
  if (!Number.isFinite(timestampMs)) {
    throw new RangeError(`timestampMs must be a finite number, got ${timestampMs}`);
  }
}
