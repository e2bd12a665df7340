import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_SPINES } from '../../domain/fabric-topology';

/** A leaf-spine fabric to create: every leaf and border leaf gets a link to every spine. */
export class TopologyDto {
  @ApiProperty({
    description: `Spine switches (node-001 ...), 1 to ${MAX_SPINES}`,
    example: 4,
    minimum: 1,
    maximum: MAX_SPINES,
  })
  @IsInt()
  @Min(1)
  @Max(MAX_SPINES)
  spines: number;

  @ApiProperty({
    description: 'Leaf switches, numbered after the border leaves',
    example: 28,
    minimum: 1,
  })
  @IsInt()
  @Min(1)
  leaves: number;

  @ApiPropertyOptional({
    description: 'Border leaves (towards the outside world), numbered after the spines',
    example: 2,
    minimum: 0,
    default: 0,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  border_leaves?: number;
}

/** The fabric a deployment has now: its nodes per role. */
export class TopologyResponse {
  @ApiProperty({ example: 4 }) spines: number;
  @ApiProperty({ example: 28 }) leaves: number;
  @ApiProperty({ example: 2 }) border_leaves: number;
}
