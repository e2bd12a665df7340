import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsIntIn, MAX_INT32 } from './id-param.dto';

/** The header that carries how many items a paged list holds in all. */
export const TOTAL_COUNT_HEADER = 'x-total-count';

/** `skip` and `limit` of a list whose body stays an array; the total is in X-Total-Count. */
export class PageQuery {
  @ApiPropertyOptional({ description: 'How many to skip', default: 0, minimum: 0, example: 0 })
  @IsOptional()
  @IsIntIn(0, MAX_INT32)
  skip = 0;

  @ApiPropertyOptional({
    description: 'How many to return (the total is in the X-Total-Count header)',
    default: 1000,
    minimum: 1,
    maximum: 1000,
  })
  @IsOptional()
  @IsIntIn(1, 1000)
  limit = 1000;
}
