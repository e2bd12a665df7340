import { ApiProperty } from '@nestjs/swagger';

export class RetryDeploymentResponse {
  @ApiProperty({ example: 1 })
  deployment_id: number;

  @ApiProperty({ example: 2, description: 'How many FAILED nodes were marked for retry' })
  retried: number;

  @ApiProperty({ example: [7, 31], description: 'Integer ids of those nodes' })
  node_ids: number[];
}
