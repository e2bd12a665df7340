import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { MAX_INT32, IsIntIn } from '../../common/id-param.dto';

export class ListDeploymentsQuery {
  @ApiPropertyOptional({ description: 'How many to skip', default: 0, minimum: 0, example: 0 })
  @IsOptional()
  @IsIntIn(0, MAX_INT32)
  skip = 0;

  @ApiPropertyOptional({
    description: 'How many to return',
    default: 100,
    minimum: 1,
    maximum: 1000,
    example: 100,
  })
  @IsOptional()
  @IsIntIn(1, 1000)
  limit = 100;
}
