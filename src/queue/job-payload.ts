/** Why a payload does not fit its job, or null when it does. */
export type PayloadCheck = (data: Record<string, unknown>) => string | null;

/** A payload check that also declares the payload's type, so a job names both in one place. */
export interface Payload<P> {
  readonly check: PayloadCheck;
  /** Never set: carries the type only. */
  readonly type?: P;
}

export function payload<P>(check: PayloadCheck): Payload<P> {
  return { check };
}

/** The payload of a job that takes none (recurring jobs). */
export const NO_PAYLOAD = payload<Record<string, never>>(() => null);

/** Whether a value is an integer id of at least `min`. */
export const isId = (value: unknown, min: number): boolean =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

export interface ShardRef {
  deploymentId: number;
  /** Shard number: nodes with seq in [shard*size+1, (shard+1)*size]. */
  shard: number;
}

export const shardRefProblem: PayloadCheck = (d) =>
  !isId(d.deploymentId, 1)
    ? 'deploymentId must be a positive integer'
    : !isId(d.shard, 0)
      ? 'shard must be an integer >= 0'
      : null;
