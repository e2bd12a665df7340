import { ApiProperty } from '@nestjs/swagger';
import { iso } from '../../common/iso-date';
import { EventRow } from '../../store/events.repository';

export class EventResponse {
  @ApiProperty({ example: 1042, description: 'Increasing id; the SSE `id:` and the paging cursor' })
  id: number;

  @ApiProperty({ example: 1 })
  deployment_id: number;

  @ApiProperty({
    example: 17,
    nullable: true,
    type: Number,
    description: 'Integer id of the node; kept after the node is deleted',
  })
  node_id: number | null;

  @ApiProperty({ example: 'node-017', nullable: true, type: String })
  node_identifier: string | null;

  @ApiProperty({
    example: 'STATE_CHANGE',
    description:
      'DEPLOYMENT_CREATED, DEPLOYMENT_UPDATED, DEPLOYMENT_RETRIED, DEPLOYMENT_DELETED (the last event of a deleted deployment; metadata: name, target_node_count, version, nodes_removed), NODES_ADDED, NODE_UPDATED, NODE_DELETED, NODE_RETRIED, STATE_CHANGE',
  })
  type: string;

  @ApiProperty({ example: 'CONFIGURING', nullable: true, type: String })
  from_state: string | null;

  @ApiProperty({ example: 'RUNNING', nullable: true, type: String })
  to_state: string | null;

  @ApiProperty({ example: null, nullable: true, type: String })
  reason: string | null;

  @ApiProperty({
    example: { before: { hostname: 'switch-1-017' }, after: { hostname: 'leaf-17' } },
    description: 'Details of the change: before/after values, counts',
  })
  metadata: Record<string, unknown>;

  @ApiProperty({
    example: '8d0c6f52-3c1e-4d0b-9b7e-2f0a3e6c1d55',
    nullable: true,
    type: String,
    description: 'X-Request-Id of the call that caused it',
  })
  request_id: string | null;

  @ApiProperty({
    example: 'ops-automation',
    nullable: true,
    type: String,
    description:
      'Name of the API key that made the change; null for the workers and when the API is open',
  })
  actor: string | null;

  @ApiProperty({ example: '2026-11-27T10:00:15.000Z' })
  created_at: string;

  static from(row: EventRow): EventResponse {
    return {
      id: Number(row.id),
      deployment_id: row.deployment_id,
      node_id: row.node_id,
      node_identifier: row.node_identifier,
      type: row.type,
      from_state: row.from_state,
      to_state: row.to_state,
      reason: row.reason,
      metadata: row.metadata,
      request_id: row.request_id,
      actor: row.actor ?? null,
      created_at: iso(row.created_at)!,
    };
  }
}

export class EventListResponse {
  @ApiProperty({ type: [EventResponse] })
  events: EventResponse[];

  @ApiProperty({
    example: 1142,
    nullable: true,
    type: Number,
    description: 'Pass as `since` for the next page; null when this page is the last',
  })
  next_since: number | null;
}
