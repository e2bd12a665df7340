import { NodeState } from '../domain/node-state';

/**
 * The constants of the simulated hardware's rollout. The workers' batch statement
 * (src/store/node-transition-sql.ts) is generated from them and is the only code that moves
 * nodes; test/support/reference/ holds the same model as plain TypeScript functions, the oracle that
 * test/lifecycle/transition-sql.e2e-spec.ts holds the statement to, node by node.
 *
 * Every draw is keyed by (node id, attempt), so a node takes the same time on every worker and
 * rerun, and a retry is a fresh draw rather than a replay of the attempt that failed. A draw is
 * one PostgreSQL can make cheaply: the first 32 bits of md5("salt:id:attempt"), over 2^32.
 */

/** Step lengths in ms (inclusive ranges, before SIM_TIME_SCALE). */
export const PROVISIONING_MS = Object.freeze({ min: 3000, max: 8000 });
export const CONFIGURING_MS = Object.freeze({ min: 5000, max: 12000 });

// Distinct salts keep the durations and the failure verdict independent of each other.
export const PROVISIONING_SALT = 0x50524f56;
export const CONFIGURING_SALT = 0x434f4e46;
export const FAILURE_SALT = 0x4641494c;

/**
 * The management address is the node id as the 24 host bits of 10.0.0.0/8: unique per node,
 * stable across restarts, no allocation table. This is the highest id that fits without
 * reaching the broadcast 10.255.255.255.
 */
export const MAX_MANAGEMENT_NODE_ID = 0xfffffe;

/** The reason recorded for each scheduled move, by the state it enters. */
export const REASONS: Readonly<Partial<Record<NodeState, string>>> = {
  [NodeState.PROVISIONING]: 'scheduled',
  [NodeState.CONFIGURING]: 'provisioned',
  [NodeState.RUNNING]: 'configured',
  [NodeState.FAILED]: 'configuration failed',
};

/** The reason recorded when an operator's retry takes a FAILED node back to PROVISIONING. */
export const RETRY_REASON = 'retry';
