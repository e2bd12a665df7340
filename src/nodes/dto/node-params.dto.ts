import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { DeploymentIdParam } from '../../common/id-param.dto';
import { NODE_REF_PATTERN } from '../../domain/node-ref';

/** `{id}/nodes/{node_id}`: the node by integer id or by name. */
export class NodeParams extends DeploymentIdParam {
  @ApiProperty({
    description: 'The node: its integer id (17) or its name (node-017)',
    example: 'node-017',
  })
  @Matches(NODE_REF_PATTERN, {
    message: 'node_id must be a node id such as 17 or a name such as node-017',
  })
  node_id: string;
}
