import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIP, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { IsNodeVars } from '../../deployments/dto/inventory.dto';
import { MAX_VARS_BYTES } from '../../domain/inventory';

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens. */
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export class UpdateNodeDto {
  @ApiPropertyOptional({ example: 'leaf-a-17.dc1', maxLength: 253 })
  @IsOptional()
  @IsString()
  @MaxLength(253)
  @Matches(HOSTNAME, {
    message: 'hostname must be a host name: letters, digits, hyphens and dots (RFC 1123)',
  })
  hostname?: string;

  @ApiPropertyOptional({ example: '192.0.2.17', description: 'IPv4 or IPv6 address' })
  @IsOptional()
  @IsIP(undefined, { message: 'management_address must be an IPv4 or IPv6 address' })
  management_address?: string;

  @ApiPropertyOptional({
    description: `Variables for the node's driver, replacing the stored ones: a JSON object of at most ${MAX_VARS_BYTES} bytes; null clears them`,
    type: 'object',
    additionalProperties: true,
    nullable: true,
  })
  @ValidateIf((o: UpdateNodeDto) => o.vars !== undefined && o.vars !== null)
  @IsNodeVars()
  vars?: Record<string, unknown> | null;
}
