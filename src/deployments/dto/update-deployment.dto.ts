import { TelemetryDto } from '../../telemetry/sources/telemetry.dto';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

export class UpdateDeploymentDto {
  @ApiPropertyOptional({ example: 'dc1-leaf-spine-b', minLength: 1, maxLength: 255 })
  // ValidateIf rather than IsOptional: a null name must be rejected, not skipped.
  @ValidateIf((o: UpdateDeploymentDto) => o.name !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  name?: string;

  @ApiPropertyOptional({
    example: 'Moved to hall B',
    nullable: true,
    type: String,
    description: 'null clears it',
  })
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  description?: string | null;

  @ApiPropertyOptional({
    description:
      'Which driver moves the nodes through PROVISIONING and CONFIGURING (docs/provisioning.md): `{driver: "simulator"}` (default), `{driver: "ansible", playbooks: {provision?, configure}, extra_vars?, forks?}` or `{driver: "http", url, secret?, headers?, cancel_url?}`, each with `batch_size` (1-1000, default 50) and `timeout_seconds` (10-86400, default 1800). Applies to nodes admitted after it is set.',
    example: { driver: 'http', url: 'https://automation.example/netorch', batch_size: 50 },
  })
  @IsOptional()
  @IsObject()
  provisioning?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: TelemetryDto,
    description:
      'Where its samples come from: simulator (default), snmp, prometheus or push, and how often; replaces the whole block',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TelemetryDto)
  telemetry?: TelemetryDto;
}
