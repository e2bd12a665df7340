import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsEnum,
  IsIP,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
} from 'class-validator';
import { INVENTORY_HOSTNAME, MAX_VARS_BYTES, varsBytes } from '../../domain/inventory';
import { NodeRole } from '../../domain/node-role';

/** A JSON object (not an array, not null) of at most MAX_VARS_BYTES as JSON text. */
export const IsNodeVars = () =>
  ValidateBy({
    name: 'isNodeVars',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        varsBytes(value) <= MAX_VARS_BYTES,
      defaultMessage: (args) =>
        `${args?.property} must be a JSON object of at most ${MAX_VARS_BYTES} bytes (as JSON text)`,
    },
  });

export const HOSTNAME_MESSAGE = 'hostname must be 1-63 letters, digits, "-", "." or "_"';

/** A real device of the inventory. */
export class NodeSpecDto {
  @ApiProperty({ example: 'leaf-a-01', pattern: INVENTORY_HOSTNAME.source, maxLength: 63 })
  @IsString()
  @Matches(INVENTORY_HOSTNAME, { message: HOSTNAME_MESSAGE })
  hostname: string;

  @ApiProperty({
    example: '192.0.2.11',
    description: 'IPv4 or IPv6 address the drivers reach the device at; unique in the deployment',
  })
  @IsIP(undefined, { message: 'management_address must be an IPv4 or IPv6 address' })
  management_address: string;

  @ApiPropertyOptional({ enum: NodeRole, default: NodeRole.LEAF })
  @IsOptional()
  @IsEnum(NodeRole)
  role?: NodeRole;

  @ApiPropertyOptional({
    description: `Variables handed to the node's driver (an Ansible host's vars): a JSON object of at most ${MAX_VARS_BYTES} bytes`,
    example: { asn: 65101, loopback: '10.255.0.11' },
    type: 'object',
    additionalProperties: true,
  })
  @IsOptional()
  @IsNodeVars()
  vars?: Record<string, unknown>;
}

/** A cable between two nodes of the inventory, by host name and interface. */
export class LinkSpecDto {
  @ApiProperty({ example: 'spine-a-01', description: 'hostname of a node in nodes' })
  @IsString()
  @MaxLength(63)
  a: string;

  @ApiProperty({ example: 'Ethernet1/1', maxLength: 32 })
  @IsString()
  @Matches(/^\S{1,32}$/, { message: 'a_interface must be 1-32 characters without blanks' })
  a_interface: string;

  @ApiProperty({ example: 'leaf-a-01' })
  @IsString()
  @MaxLength(63)
  b: string;

  @ApiProperty({ example: 'Ethernet1/49', maxLength: 32 })
  @IsString()
  @Matches(/^\S{1,32}$/, { message: 'b_interface must be 1-32 characters without blanks' })
  b_interface: string;
}
