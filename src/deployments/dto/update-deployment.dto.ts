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
