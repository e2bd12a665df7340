import { ApiProperty } from '@nestjs/swagger';
import { IsInt, Min } from 'class-validator';

export class AddNodesDto {
  @ApiProperty({
    description:
      'How many nodes to add; the deployment must stay within MAX_NODES_PER_DEPLOYMENT (default 10,000)',
    example: 5,
    minimum: 1,
    maximum: 10000,
  })
  @IsInt()
  @Min(1)
  count: number;
}
