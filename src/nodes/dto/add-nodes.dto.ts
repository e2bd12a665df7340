import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsEnum,
  IsInt,
  IsOptional,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { NodeRole } from '../../domain/node-role';
import { NodeSpecDto } from '../../deployments/dto/inventory.dto';

export class AddNodesDto {
  @ApiPropertyOptional({
    description:
      'How many nodes to add; the deployment must stay within MAX_NODES_PER_DEPLOYMENT (default 10,000). Required without nodes',
    example: 5,
    minimum: 1,
    maximum: 10000,
  })
  @ValidateIf((o: AddNodesDto) => o.nodes === undefined || o.count !== undefined)
  @IsInt()
  @Min(1)
  count?: number;

  @ApiPropertyOptional({
    enum: NodeRole,
    default: NodeRole.LEAF,
    description:
      'The role of the new nodes. Leaves and border leaves get a link to every spine; spines a link to every leaf and border leaf. A deployment without a topology takes leaves only.',
  })
  @IsOptional()
  @IsEnum(NodeRole)
  role?: NodeRole;

  @ApiPropertyOptional({
    type: [NodeSpecDto],
    description:
      'An inventory of real devices instead of count and role, as in POST /deployments; host names and addresses unique in the deployment',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => NodeSpecDto)
  nodes?: NodeSpecDto[];
}
