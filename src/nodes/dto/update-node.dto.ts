import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens. */
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export class UpdateNodeDto {
  @ApiProperty({ example: 'leaf-a-17.dc1', maxLength: 253 })
  @IsString()
  @MaxLength(253)
  @Matches(HOSTNAME, {
    message: 'hostname must be a host name: letters, digits, hyphens and dots (RFC 1123)',
  })
  hostname: string;
}
