import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DeploymentsRepository } from '../store/deployments.repository';
import { LinksRepository } from '../store/links.repository';
import { inTransaction } from '../store/queryable';
import { ImpactResponse, LinkListResponse } from './dto/links.dto';
import { NodesService } from './nodes.service';

/** A fabric's links and what losing one of its nodes costs the others. */
@Injectable()
export class TopologyService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DeploymentsRepository) private readonly deployments: DeploymentsRepository,
    @Inject(LinksRepository) private readonly links: LinksRepository,
    @Inject(NodesService) private readonly nodes: NodesService,
  ) {}

  /** Links in id order, all or one node's; 404 for an unknown deployment or node. */
  async listLinks(
    deploymentId: number,
    query: { node_id?: string; skip: number; limit: number },
  ): Promise<LinkListResponse> {
    let nodeId: number | undefined;
    if (query.node_id !== undefined) {
      nodeId = (await this.nodes.find(deploymentId, query.node_id)).id;
    } else if (!(await this.deployments.exists(deploymentId))) {
      throw new NotFoundException('Deployment not found');
    }
    return this.links.list(deploymentId, { nodeId, skip: query.skip, limit: query.limit });
  }

  /** The blast radius of one node, read in one snapshot. */
  async impact(deploymentId: number, ref: string): Promise<ImpactResponse> {
    return inTransaction(
      this.dataSource,
      async (q) => {
        const node = await this.nodes.find(deploymentId, ref, q);
        const dependents = await this.links.dependents(q, node.id);
        const loss = dependents.reduce(
          (worst, d) => Math.max(worst, (100 * d.lost) / d.uplinks),
          0,
        );
        return {
          node_id: node.id,
          node_identifier: node.node_id,
          role: node.role,
          dependents: dependents.map((d) => d.node_id),
          dependent_count: dependents.length,
          uplink_capacity_loss_percent: loss,
        };
      },
      'REPEATABLE READ',
    );
  }
}
