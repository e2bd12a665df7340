import { createHash } from 'node:crypto';
import { NodeState } from '../../../src/domain/node-state';
import {
  CONFIGURING_MS,
  CONFIGURING_SALT,
  FAILURE_SALT,
  PROVISIONING_MS,
  PROVISIONING_SALT,
} from '../../../src/simulation/lifecycle-model';
import { toUnitInterval } from '../../../src/simulation/deterministic-random';

/**
 * The rollout model as plain TypeScript: the oracle that the workers' batch statement
 * (src/store/node-transition-sql.ts, generated from src/simulation/lifecycle-model.ts) is held
 * to by test/lifecycle/transition-sql.e2e-spec.ts. Every operation after the draw is the same
 * IEEE double arithmetic in both places.
 */

export { CONFIGURING_MS, PROVISIONING_MS };

/** Uniform double in [0, 1): the first 32 bits of md5("salt:id:attempt") over 2^32. */
export function lifecycleDraw(salt: number, nodeId: number, attempt: number): number {
  const digest = createHash('md5').update(`${salt}:${nodeId}:${attempt}`).digest();
  return toUnitInterval(digest.readUInt32BE(0));
}

/** A scaled duration in whole ms: floor(ms * scale + 0.5), the rounding SQL repeats exactly. */
export function scaleMs(ms: number, timeScale: number): number {
  return Math.floor(ms * timeScale + 0.5);
}

/** How long a node stays in `state` before its next scheduled step, in whole ms. */
export function stepDurationMs(
  state: NodeState,
  nodeId: number,
  attempt: number,
  timeScale: number,
): number {
  assertKey(nodeId, attempt);
  if (!Number.isFinite(timeScale) || timeScale < 0) {
    throw new RangeError(`timeScale must be a finite number >= 0, got ${timeScale}`);
  }
  switch (state) {
    case NodeState.PENDING:
      return 0;
    case NodeState.PROVISIONING:
      return scaleMs(draw(PROVISIONING_MS, PROVISIONING_SALT, nodeId, attempt), timeScale);
    case NodeState.CONFIGURING:
      return scaleMs(draw(CONFIGURING_MS, CONFIGURING_SALT, nodeId, attempt), timeScale);
    default:
      throw new RangeError(
        `${state} has no scheduled step: only PENDING, PROVISIONING and CONFIGURING are timed`,
      );
  }
}

/** Whether this attempt of the node fails configuration; true for a `failureRate` share of nodes. */
export function failsConfiguration(nodeId: number, attempt: number, failureRate: number): boolean {
  assertKey(nodeId, attempt);
  if (!(failureRate >= 0 && failureRate <= 1)) {
    throw new RangeError(`failureRate must be between 0 and 1, got ${failureRate}`);
  }
  // A draw is < 1, so a rate of 1 fails every node and a rate of 0 none.
  return lifecycleDraw(FAILURE_SALT, nodeId, attempt) < failureRate;
}

function draw(
  range: { min: number; max: number },
  salt: number,
  nodeId: number,
  attempt: number,
): number {
  return range.min + Math.floor(lifecycleDraw(salt, nodeId, attempt) * (range.max - range.min + 1));
}

function assertKey(nodeId: number, attempt: number): void {
  if (!Number.isSafeInteger(nodeId) || nodeId < 1) {
    throw new RangeError(`nodeId must be a positive integer, got ${nodeId}`);
  }
  if (!Number.isSafeInteger(attempt) || attempt < 0) {
    throw new RangeError(`attempt must be an integer >= 0, got ${attempt}`);
  }
}
