import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { LinkSpecDto, NodeSpecDto } from './inventory.dto';
import { RolloutStrategyDto } from './rollout-strategy.dto';
import { TopologyDto } from './topology.dto';

export class CreateDeploymentDto {
  @ApiProperty({
    description: 'Name of the fabric',
    example: 'dc1-leaf-spine',
    minLength: 1,
    maxLength: 255,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  name: string;

  @ApiPropertyOptional({
    description: 'Free text',
    example: 'Leaf-spine fabric for hall A',
    nullable: true,
  })
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  description?: string | null;

  @ApiPropertyOptional({
    description:
      'How many switches to deploy (1 to MAX_NODES_PER_DEPLOYMENT, default 10,000). Required without a topology or nodes; with one it may be left out, and must equal their node count when given',
    example: 50,
    minimum: 1,
    maximum: 10000,
  })
  @ValidateIf(
    (o: CreateDeploymentDto) => (!o.topology && !o.nodes) || o.target_node_count !== undefined,
  )
  @IsInt()
  @Min(1)
  target_node_count?: number;

  @ApiPropertyOptional({
    type: TopologyDto,
    nullable: true,
    description:
      'A leaf-spine fabric: spines node-001 ..., then border leaves, then leaves, every leaf and border leaf linked to every spine. Without it every node is a leaf and there are no links.',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TopologyDto)
  topology?: TopologyDto | null;

  @ApiPropertyOptional({
    description:
      'Rollout control: how many nodes may be PROVISIONING or CONFIGURING at once; the rest wait in PENDING. Omit for no limit.',
    example: 10,
    minimum: 1,
    nullable: true,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  max_parallel?: number | null;

  @ApiPropertyOptional({
    type: RolloutStrategyDto,
    description:
      'Roll the nodes out in waves: a canary, then waves, halting on a failure budget or a telemetry gate. Without it every node is admitted at once (within max_parallel).',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RolloutStrategyDto)
  strategy?: RolloutStrategyDto;

  // ---- the inventory of real devices (nodes, links)

  @ApiPropertyOptional({
    type: [NodeSpecDto],
    description:
      'Real devices instead of generated ones (or agreeing with target_node_count): numbered spines, border leaves, then leaves, each in the order given. Host names and addresses unique; every bad entry is named by index and nothing is created',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => NodeSpecDto)
  nodes?: NodeSpecDto[];

  @ApiPropertyOptional({
    type: [LinkSpecDto],
    description:
      'With nodes: the cables between them (host names of nodes; an interface once). Left out, nodes with spines get the generated spine-leaf mesh',
  })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => LinkSpecDto)
  links?: LinkSpecDto[];
}
