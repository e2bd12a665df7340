import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
} from 'class-validator';
import { IsIntegerId } from '../../common/id-param.dto';
import { iso } from '../../common/iso-date';
import type { ReceiverRow } from '../alert-receivers.repository';

export const RECEIVER_TYPES = ['webhook', 'alertmanager'] as const;
/**
 * What a receiver may subscribe to: alert changes, and deployment events (a rollout halted or
 * completed, the deployment's status entered degraded or failed).
 */
export const RECEIVER_EVENTS = [
  'ALERT_FIRING',
  'ALERT_RESOLVED',
  'ROLLOUT_HALTED',
  'ROLLOUT_COMPLETED',
  'DEPLOYMENT_DEGRADED',
  'DEPLOYMENT_FAILED',
] as const;

export class CreateReceiverDto {
  @ApiProperty({ example: 'oncall-webhook', minLength: 1, maxLength: 100 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiProperty({
    enum: RECEIVER_TYPES,
    description:
      'webhook: POST url with the Alertmanager webhook payload (version 4), signed. alertmanager: POST {url}/api/v2/alerts with the alerts array',
  })
  @IsIn(RECEIVER_TYPES)
  type: (typeof RECEIVER_TYPES)[number];

  @ApiProperty({
    example: 'https://hooks.example.com/netorch',
    description:
      'http(s), no credentials; refused: link-local, cloud metadata addresses and names, unspecified, multicast, broadcast, CGNAT and their IPv6 forms, loopback with NODE_ENV=production unless OUTBOUND_ALLOWED_HOSTS names it; checked again after DNS at every delivery. OUTBOUND_ALLOWED_HOSTS restricts the rest',
    maxLength: 2048,
  })
  @IsString()
  @MaxLength(2048)
  url: string;

  @ApiPropertyOptional({
    description:
      'Write-only: signs every notification (X-Netorch-Signature: sha256=HMAC-SHA256(secret, timestamp + "." + body)); never returned',
    example: 'a-long-random-shared-secret',
    minLength: 8,
    maxLength: 256,
  })
  @IsOptional()
  @IsString()
  @MinLength(8)
  @MaxLength(256)
  secret?: string;

  @ApiPropertyOptional({
    enum: RECEIVER_EVENTS,
    isArray: true,
    description:
      'What this receiver is sent. Empty or left out: every alert change (ALERT_FIRING, ALERT_RESOLVED) and no deployment event. Otherwise exactly what it names: alert changes of the rules it is attached to, and the deployment events (ROLLOUT_HALTED, ROLLOUT_COMPLETED, DEPLOYMENT_DEGRADED, DEPLOYMENT_FAILED) of every deployment',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsIn(RECEIVER_EVENTS, {
    each: true,
    message: `each value in events must be one of ${RECEIVER_EVENTS.join(', ')}`,
  })
  events?: string[];
}

export class ReceiverIdParam {
  @ApiProperty({ description: 'Receiver id', example: 1, minimum: 1 })
  @IsIntegerId()
  id: number;
}

export class ReceiverResponse {
  @ApiProperty({ example: 1 })
  id: number;

  @ApiProperty({ example: 'oncall-webhook' })
  name: string;

  @ApiProperty({ enum: RECEIVER_TYPES })
  type: string;

  @ApiProperty({ example: 'https://hooks.example.com/netorch' })
  url: string;

  @ApiProperty({ description: 'Whether notifications are signed (the secret is never shown)' })
  has_secret: boolean;

  @ApiProperty({ example: ['ALERT_FIRING', 'ALERT_RESOLVED', 'ROLLOUT_HALTED'], type: [String] })
  events: string[];

  @ApiProperty({ example: '2026-11-27T10:00:00.000Z' })
  created_at: string;

  static from(row: ReceiverRow): ReceiverResponse {
    return {
      id: row.id,
      name: row.name,
      type: row.type,
      url: row.url,
      has_secret: row.secret !== null,
      events: row.events,
      created_at: iso(row.created_at)!,
    };
  }
}
