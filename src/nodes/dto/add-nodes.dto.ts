import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsInt, IsOptional, Min } from 'class-validator';
import { NodeRole } from '../../domain/node-role';

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

  @ApiPropertyOptional({
    enum: NodeRole,
    default: NodeRole.LEAF,
    description:
      'The role of the new nodes. Leaves and border leaves get a link to every spine; spines a link to every leaf and border leaf. A deployment without a topology takes leaves only.',
  })
  @IsOptional()
  @IsEnum(NodeRole)
  role?: NodeRole;
}
