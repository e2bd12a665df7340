import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { IsIntegerId, IsIntIn } from '../../common/id-param.dto';
import { CallerKey, OPEN_CALLER } from '../../common/caller-key.decorator';
import { iso } from '../../common/iso-date';
import type { DeliveryRow } from '../alert-deliveries.repository';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'silenced'] as const;

export class ListDeliveriesQuery {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: string;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @IsIntIn(1, 1000)
  limit = 100;
}

export class DeliveryParams {
  @ApiProperty({ description: 'Receiver id', example: 1, minimum: 1 })
  @IsIntegerId()
  id: number;

  @ApiProperty({ description: 'Delivery id (X-Netorch-Delivery)', format: 'uuid' })
  @IsUUID()
  delivery_id: string;
}

class DeliveryAttemptResponse {
  @ApiProperty({ example: '2026-11-27T10:00:00.000Z' }) attempted_at: string;
  @ApiProperty({ example: 12 }) duration_ms: number;
  @ApiProperty({ example: 500, nullable: true, type: Number }) http_status: number | null;
  @ApiProperty({ example: null, nullable: true, type: String }) error: string | null;
  @ApiProperty({
    description:
      'First 512 bytes of the response body (control characters as \\uXXXX, compressed or non-UTF-8 answers as `hex:`); null for `ro` keys',
    nullable: true,
    type: String,
  })
  response_prefix: string | null;
}

export class DeliveryResponse {
  @ApiProperty({ format: 'uuid', description: 'Sent as X-Netorch-Delivery on every attempt' })
  id: string;
  @ApiProperty({ example: 1 }) receiver_id: number;
  @ApiProperty({ example: 1, nullable: true, type: Number }) alert_id: number | null;
  @ApiProperty({
    example: null,
    nullable: true,
    type: Number,
    description: 'The deployment event notified (GET /events?deployment_id=...); null for alerts',
  })
  event_id: number | null;
  @ApiProperty({
    example: 'firing',
    description:
      'firing, resolved or refresh (an alertmanager receiver is sent firing alerts again) for alerts; the event type (ROLLOUT_HALTED, ...) for deployment events',
  })
  kind: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: string;
  @ApiProperty({ example: 3 }) attempts: number;
  @ApiProperty({ example: '2026-11-27T10:00:02.000Z', nullable: true, type: String })
  delivered_at: string | null;
  @ApiProperty({ example: '2026-11-27T10:00:00.000Z' }) created_at: string;
  @ApiProperty({ type: [DeliveryAttemptResponse] }) attempt_log: DeliveryAttemptResponse[];

  /** Answer bodies are shown to `rw` callers only: a receiver may echo what it was sent. */
  static from(d: DeliveryRow, caller: CallerKey = OPEN_CALLER): DeliveryResponse {
    const bodies = caller.scope === 'rw';
    return {
      id: d.id,
      receiver_id: d.receiver_id,
      alert_id: d.alert_id === null ? null : Number(d.alert_id),
      event_id: d.event_id === null ? null : Number(d.event_id),
      kind: d.kind,
      status: d.status,
      attempts: d.attempts,
      delivered_at: iso(d.delivered_at),
      created_at: iso(d.created_at)!,
      attempt_log: d.attempt_log.map((a) => ({
        ...a,
        attempted_at: iso(a.attempted_at)!,
        response_prefix: bodies ? a.response_prefix : null,
      })),
    };
  }
}

export class RedeliverResponse {
  @ApiProperty({ format: 'uuid' }) delivery_id: string;
  @ApiProperty({ example: 'pending' }) status: string;
}
