import { EntityManager } from 'typeorm';
import { EventType } from '../domain/event-type';

export interface NewEvent {
  deploymentId: number;
  type: EventType;
  nodeId?: number | null;
  nodeIdentifier?: string | null;
  fromState?: string | null;
  toState?: string | null;
  reason?: string | null;
  metadata?: Record<string, unknown>;
  requestId?: string | null;
}

/** Writes one audit row inside the caller's transaction, so the change and its record commit together. */
export async function writeEvent(m: EntityManager, event: NewEvent): Promise<void> {
  await m.query(
    `INSERT INTO events (deployment_id, node_id, node_identifier, type, from_state, to_state, reason, metadata, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      event.deploymentId,
      event.nodeId ?? null,
      event.nodeIdentifier ?? null,
      event.type,
      event.fromState ?? null,
      event.toState ?? null,
      event.reason ?? null,
      event.metadata ?? {},
      event.requestId ?? null,
    ],
  );
}
