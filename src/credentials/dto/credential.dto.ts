import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import {
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { IsIntegerId } from '../../common/id-param.dto';
import { iso } from '../../common/iso-date';
import {
  CREDENTIAL_KINDS,
  CredentialKind,
  KIND_FIELDS,
  SNMP_AUTH_PROTOCOLS,
  SNMP_PRIV_PROTOCOLS,
} from '../credential-kinds';
import type { CredentialRow } from '../credentials.repository';

const WRITE_ONLY = 'Write-only: stored encrypted, never returned (the response says has_';

export class CreateCredentialDto {
  @ApiProperty({ example: 'lab-switches', minLength: 1, maxLength: 100 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @Matches(/^[^\s].*[^\s]$|^[^\s]$/, { message: 'name must not start or end with blanks' })
  name: string;

  @ApiProperty({
    enum: CREDENTIAL_KINDS,
    description:
      'ssh: username + private_key or password. snmp-v2c: community. snmp-v3: username, optionally auth_protocol + auth_key, and with them priv_protocol + priv_key. http-secret: secret. bearer: token',
  })
  @IsIn(CREDENTIAL_KINDS)
  kind: CredentialKind;

  @ApiPropertyOptional({ description: 'ssh, snmp-v3', example: 'netops', maxLength: 255 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  username?: string | null;

  @ApiPropertyOptional({
    description: `ssh, PEM or OpenSSH text. ${WRITE_ONLY}private_key)`,
    maxLength: 16384,
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(16384)
  private_key?: string | null;

  @ApiPropertyOptional({ description: `ssh. ${WRITE_ONLY}password)`, maxLength: 1024 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password?: string | null;

  @ApiPropertyOptional({ description: `snmp-v2c. ${WRITE_ONLY}community)`, maxLength: 255 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  community?: string | null;

  @ApiPropertyOptional({ description: 'snmp-v3', enum: SNMP_AUTH_PROTOCOLS })
  @IsOptional()
  @IsIn(SNMP_AUTH_PROTOCOLS)
  auth_protocol?: string | null;

  @ApiPropertyOptional({
    description: `snmp-v3, at least 8 characters. ${WRITE_ONLY}auth_key)`,
    minLength: 8,
    maxLength: 255,
  })
  @IsOptional()
  @IsString()
  @MinLength(8)
  @MaxLength(255)
  auth_key?: string | null;

  @ApiPropertyOptional({ description: 'snmp-v3', enum: SNMP_PRIV_PROTOCOLS })
  @IsOptional()
  @IsIn(SNMP_PRIV_PROTOCOLS)
  priv_protocol?: string | null;

  @ApiPropertyOptional({
    description: `snmp-v3, at least 8 characters. ${WRITE_ONLY}priv_key)`,
    minLength: 8,
    maxLength: 255,
  })
  @IsOptional()
  @IsString()
  @MinLength(8)
  @MaxLength(255)
  priv_key?: string | null;

  @ApiPropertyOptional({
    description: `http-secret, at least 16 characters. ${WRITE_ONLY}secret)`,
    minLength: 16,
    maxLength: 1024,
  })
  @IsOptional()
  @IsString()
  @MinLength(16)
  @MaxLength(1024)
  secret?: string | null;

  @ApiPropertyOptional({ description: `bearer. ${WRITE_ONLY}token)`, maxLength: 4096 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  token?: string | null;
}

/**
 * Any field but kind; a secret field given replaces the stored one, `null` removes an optional
 * field. The result must still fit the kind.
 */
export class UpdateCredentialDto extends PartialType(OmitType(CreateCredentialDto, ['kind'])) {}

export class CredentialIdParam {
  @ApiProperty({ description: 'Credential id', example: 1, minimum: 1 })
  @IsIntegerId()
  id: number;
}

export class CredentialUserResponse {
  @ApiProperty({ example: 12 })
  deployment_id: number;

  @ApiProperty({ example: 'dc1-fabric' })
  name: string;

  @ApiProperty({ example: 'driver', description: 'What the deployment uses the credential for' })
  purpose: string;
}

export class CredentialResponse {
  @ApiProperty({ example: 1 })
  id: number;

  @ApiProperty({ example: 'lab-switches' })
  name: string;

  @ApiProperty({ enum: CREDENTIAL_KINDS })
  kind: string;

  @ApiPropertyOptional({ example: 'netops', description: 'ssh, snmp-v3' })
  username?: string;

  @ApiPropertyOptional({ enum: SNMP_AUTH_PROTOCOLS, description: 'snmp-v3 with authentication' })
  auth_protocol?: string;

  @ApiPropertyOptional({ enum: SNMP_PRIV_PROTOCOLS, description: 'snmp-v3 with privacy' })
  priv_protocol?: string;

  @ApiPropertyOptional({ description: 'ssh: a private key is stored' })
  has_private_key?: boolean;

  @ApiPropertyOptional({ description: 'ssh: a password is stored' })
  has_password?: boolean;

  @ApiPropertyOptional({ description: 'snmp-v2c: a community is stored' })
  has_community?: boolean;

  @ApiPropertyOptional({ description: 'snmp-v3: an authentication key is stored' })
  has_auth_key?: boolean;

  @ApiPropertyOptional({ description: 'snmp-v3: a privacy key is stored' })
  has_priv_key?: boolean;

  @ApiPropertyOptional({ description: 'http-secret: a secret is stored' })
  has_secret?: boolean;

  @ApiPropertyOptional({ description: 'bearer: a token is stored' })
  has_token?: boolean;

  @ApiProperty({ type: [CredentialUserResponse], description: 'The deployments that use it' })
  used_by: CredentialUserResponse[];

  @ApiProperty({ example: '2026-12-08T10:00:00.000Z' })
  created_at: string;

  @ApiProperty({ example: '2026-12-08T10:00:00.000Z' })
  updated_at: string;

  static from(row: CredentialRow, usedBy: CredentialUserResponse[]): CredentialResponse {
    const has = Object.fromEntries(
      KIND_FIELDS[row.kind].secret.map((field) => [
        `has_${field}`,
        row.secret_fields.includes(field),
      ]),
    );
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      ...row.params,
      ...has,
      used_by: usedBy,
      created_at: iso(row.created_at)!,
      updated_at: iso(row.updated_at)!,
    };
  }
}
