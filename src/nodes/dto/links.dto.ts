import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { IsIntIn, MAX_INT32 } from '../../common/id-param.dto';
import { NodeRole } from '../../domain/node-role';
import { NODE_REF_PATTERN } from '../../domain/node-ref';

export class ListLinksQuery {
  @ApiPropertyOptional({
    example: 'node-001',
    description: 'Only the links of this node (either side): its integer id or its name',
  })
  @IsOptional()
  @Matches(NODE_REF_PATTERN, {
    message: 'node_id must be a node id such as 17 or a name such as node-017',
  })
  node_id?: string;

  @ApiPropertyOptional({ default: 0, minimum: 0, example: 0 })
  @IsOptional()
  @IsIntIn(0, MAX_INT32)
  skip = 0;

  @ApiPropertyOptional({ default: 1000, minimum: 1, maximum: 10000, example: 100 })
  @IsOptional()
  @IsIntIn(1, 10000)
  limit = 1000;
}

export class LinkResponse {
  @ApiProperty({ example: 1 })
  id: number;

  @ApiProperty({ example: 17, description: 'The spine: its integer node id' })
  a_node_id: number;

  @ApiProperty({ example: 'Ethernet1/5', description: "The spine's port towards the leaf" })
  a_interface: string;

  @ApiProperty({ example: 21, description: 'The leaf or border leaf: its integer node id' })
  b_node_id: number;

  @ApiProperty({ example: 'Ethernet1/49', description: "The leaf's uplink port to the spine" })
  b_interface: string;
}

export class LinkListResponse {
  @ApiProperty({ type: [LinkResponse], description: 'In id order' })
  links: LinkResponse[];

  @ApiProperty({ example: 120, description: 'How many links match, whatever skip and limit' })
  total: number;
}

export class ImpactResponse {
  @ApiProperty({ example: 17, description: "The node's integer id" })
  node_id: number;

  @ApiProperty({ example: 'node-001' })
  node_identifier: string;

  @ApiProperty({ enum: NodeRole, example: NodeRole.SPINE })
  role: NodeRole;

  @ApiProperty({
    type: [Number],
    example: [21, 22, 23],
    description:
      'Integer ids of the nodes that lose at least one uplink if this node goes (the leaves and border leaves of a spine; none for a leaf), in id order',
  })
  dependents: number[];

  @ApiProperty({ example: 30 })
  dependent_count: number;

  @ApiProperty({
    example: 25,
    description:
      'The share of its uplink capacity a dependent loses, in percent: 100/S for a spine of a fabric with S spines (the largest share over the dependents should their uplink counts differ); 0 without dependents',
  })
  uplink_capacity_loss_percent: number;
}
