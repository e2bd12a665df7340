import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional } from 'class-validator';
import { MAX_INT32, IsIntIn } from '../../common/id-param.dto';
import { NodeRole } from '../../domain/node-role';
import { NodeState } from '../../domain/node-state';

export class ListNodesQuery {
  @ApiPropertyOptional({ enum: NodeState, description: 'Only nodes in this state' })
  @IsOptional()
  @IsEnum(NodeState)
  state?: NodeState;

  @ApiPropertyOptional({ enum: NodeRole, description: 'Only nodes of this role' })
  @IsOptional()
  @IsEnum(NodeRole)
  role?: NodeRole;

  @ApiPropertyOptional({ default: 0, minimum: 0, example: 0 })
  @IsOptional()
  @IsIntIn(0, MAX_INT32)
  skip = 0;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 10000,
    description: 'Without it every node is returned (the seed behaviour)',
  })
  @IsOptional()
  @IsIntIn(1, 100000)
  limit?: number;
}
