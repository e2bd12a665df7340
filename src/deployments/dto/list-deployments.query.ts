import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_INT32 } from '../../common/id-param.dto';

export class ListDeploymentsQuery {
  @ApiPropertyOptional({ description: 'How many to skip', default: 0, minimum: 0, example: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_INT32)
  skip = 0;

  @ApiPropertyOptional({
    description: 'How many to return',
    default: 100,
    minimum: 1,
    maximum: 1000,
    example: 100,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit = 100;
}
