import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsIntegerId } from '../../common/id-param.dto';
import { IsIsoDateTime } from '../../common/is-iso-date-time.decorator';
import { iso } from '../../common/iso-date';
import type { SilenceRow } from '../alert-silences.repository';

export class CreateSilenceDto {
  @ApiProperty({ example: 1 })
  @IsIntegerId()
  deployment_id: number;

  @ApiPropertyOptional({ example: 17, description: 'Only this node (integer id); default all' })
  @IsOptional()
  @IsIntegerId()
  node_id?: number;

  @ApiPropertyOptional({ example: 1, description: 'Only this rule; default all' })
  @IsOptional()
  @IsIntegerId()
  rule_id?: number;

  @ApiProperty({ example: '2026-11-27T12:00:00Z', description: 'In the future' })
  @IsIsoDateTime()
  ends_at: string;

  @ApiProperty({ example: 'Replacing the optics of node-017', maxLength: 1000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  comment: string;
}

export class SilenceIdParam {
  @ApiProperty({ description: 'Silence id', example: 1, minimum: 1 })
  @IsIntegerId()
  id: number;
}

export class ListSilencesQuery {
  @ApiPropertyOptional({ example: 1 })
  @IsOptional()
  @IsIntegerId()
  deployment_id?: number;
}

export class SilenceResponse {
  @ApiProperty({ example: 1 }) id: number;
  @ApiProperty({ example: 1 }) deployment_id: number;
  @ApiProperty({ example: 17, nullable: true, type: Number }) node_id: number | null;
  @ApiProperty({ example: null, nullable: true, type: Number }) rule_id: number | null;
  @ApiProperty({ example: '2026-11-27T12:00:00.000Z' }) ends_at: string;
  @ApiProperty({ example: 'Replacing the optics of node-017' }) comment: string;
  @ApiProperty({ description: 'ends_at is still ahead' }) active: boolean;
  @ApiProperty({ example: 'ops', nullable: true, type: String }) created_by: string | null;
  @ApiProperty({ example: '2026-11-27T10:00:00.000Z' }) created_at: string;

  static from(s: SilenceRow): SilenceResponse {
    return {
      id: s.id,
      deployment_id: s.deployment_id,
      node_id: s.node_id,
      rule_id: s.rule_id,
      ends_at: iso(s.ends_at)!,
      comment: s.comment,
      active: new Date(s.ends_at).getTime() > Date.now(),
      created_by: s.created_by,
      created_at: iso(s.created_at)!,
    };
  }
}
