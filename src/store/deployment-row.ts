import type { DeploymentTelemetry } from '../telemetry/sources/telemetry-config';

/**
 * A row of the deployments table as PostgreSQL returns it. Rows stay snake_case, as every other
 * table's rows and the JSON contract are: the response DTOs map them in one place, and TypeORM
 * keeps only the connection and the migrations (no entities, no second naming of the columns).
 */
export interface DeploymentRow {
  id: number;
  name: string;
  description: string | null;
  target_node_count: number;
  max_parallel: number | null;
  version: number;
  /** Nodes of each role now; all three null for a deployment without a topology. */
  spine_count: number | null;
  leaf_count: number | null;
  border_leaf_count: number | null;
  /** Where its samples come from; null: the simulator on every tick. */
  telemetry: DeploymentTelemetry | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** The columns of a DeploymentRow, for statements that read or return whole rows. */
export const DEPLOYMENT_COLUMNS = `id, name, description, target_node_count, max_parallel, version,
  spine_count, leaf_count, border_leaf_count, telemetry, created_at, updated_at, started_at, finished_at`;
