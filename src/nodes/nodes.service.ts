import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { NodeEntity } from './node.entity';
import { NodeState } from './node-state';

@Injectable()
export class NodesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Nodes of a deployment in node-number order, with the count of all that match. */
  async list(
    deploymentId: number,
    filter: { state?: NodeState; skip?: number; limit?: number },
  ): Promise<{ nodes: NodeEntity[]; total: number }> {
    const where = { deploymentId, ...(filter.state ? { state: filter.state } : {}) };
    const [nodes, total] = await this.dataSource.getRepository(NodeEntity).findAndCount({
      where,
      order: { seq: 'ASC' },
      skip: filter.skip ?? 0,
      take: filter.limit,
    });
    return { nodes, total };
  }
}
