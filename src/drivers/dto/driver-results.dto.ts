import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsIntegerId } from '../../common/id-param.dto';

export class DriverNodeResultDto {
  @ApiProperty({ description: "The node's integer id (`nodes[].id` of the run)", example: 17 })
  @IsIntegerId()
  node_id: number;

  @ApiProperty({ enum: ['succeeded', 'failed'] })
  @IsIn(['succeeded', 'failed'])
  status: 'succeeded' | 'failed';

  @ApiPropertyOptional({
    description: "Recorded as the reason of the node's STATE_CHANGE",
    maxLength: 2000,
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  message?: string;
}

export class DriverResultsDto {
  @ApiProperty({ type: [DriverNodeResultDto], description: 'Some or all nodes of the run' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => DriverNodeResultDto)
  results: DriverNodeResultDto[];
}

export class DriverResultsResponse {
  @ApiProperty({ description: 'Results applied (the first for their node)' })
  accepted: number;

  @ApiProperty({ description: 'Results ignored: a node with a result already, or the run ended' })
  ignored: number;
}
