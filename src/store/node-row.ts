import { NodeRole } from '../domain/node-role';
import { NodeState } from '../domain/node-state';

/** A row of the nodes table as PostgreSQL returns it (snake_case, as deployment-row.ts says). */
export interface NodeRow {
  id: number;
  deployment_id: number;
  /** The node's number within its deployment: 8 for node-008. */
  seq: number;
  node_id: string;
  state: NodeState;
  /** Spine, leaf or border leaf; never changes. Every node of a flat deployment is a leaf. */
  role: NodeRole;
  hostname: string;
  /** The management address (the API's management_address): given, or 10.x at provisioning. */
  ip_address: string | null;
  /** Variables for the node's driver (a JSON object); null when none were given. */
  vars: Record<string, unknown> | null;
  attempt: number;
  next_step_at: Date | null;
  created_at: Date;
  updated_at: Date;
  state_changed_at: Date;
}

/** The columns of a NodeRow, for statements that read or return whole rows. */
export const NODE_COLUMNS = `id, deployment_id, seq, node_id, state, role, hostname, ip_address,
  vars, attempt, next_step_at, created_at, updated_at, state_changed_at`;
