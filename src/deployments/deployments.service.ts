import {
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { EventType } from '../events/event-type';
import { NODE_STATES, NodeState } from '../nodes/node-state';
import { DeploymentEntity } from './deployment.entity';
import { deploymentStatus, progressPercent } from './deployment-status';
import { CreateDeploymentDto } from './dto/create-deployment.dto';
import { DeploymentDetailResponse, DeploymentResponse } from './dto/deployment.response';

/** SQL for a node's name from its number: node-001 ... node-999, node-1000 ... */
export const NODE_NAME_SQL = (seq: string) =>
  `CASE WHEN ${seq} < 1000 THEN lpad(${seq}::text, 3, '0') ELSE ${seq}::text END`;

@Injectable()
export class DeploymentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Writes the deployment, all its nodes (one multi-row INSERT) and its creation event in one
   * transaction; every node is PENDING and due at once.
   */
  async create(dto: CreateDeploymentDto, requestId?: string): Promise<DeploymentEntity> {
    if (dto.target_node_count > this.config.maxNodesPerDeployment) {
      throw new UnprocessableEntityException(
        `target_node_count must not be greater than ${this.config.maxNodesPerDeployment} (MAX_NODES_PER_DEPLOYMENT)`,
      );
    }
    return this.dataSource.transaction(async (m) => {
      const deployment = await m.getRepository(DeploymentEntity).save(
        m.getRepository(DeploymentEntity).create({
          name: dto.name,
          description: dto.description ?? null,
          targetNodeCount: dto.target_node_count,
          maxParallel: dto.max_parallel ?? null,
        }),
      );
      await this.insertNodes(m, deployment.id, 1, dto.target_node_count);
      await m.query(
        `INSERT INTO events (deployment_id, type, metadata, request_id) VALUES ($1, $2, $3, $4)`,
        [
          deployment.id,
          EventType.DEPLOYMENT_CREATED,
          {
            name: dto.name,
            target_node_count: dto.target_node_count,
            max_parallel: dto.max_parallel ?? null,
          },
          requestId ?? null,
        ],
      );
      return deployment;
    });
  }

  /** Inserts nodes fromSeq..toSeq as PENDING, due now, in one statement. */
  async insertNodes(m: EntityManager, deploymentId: number, fromSeq: number, toSeq: number) {
    const name = NODE_NAME_SQL('g');
    await m.query(
      `INSERT INTO nodes (deployment_id, seq, node_id, hostname, state, next_step_at)
       SELECT $1::int, g, 'node-' || ${name}, 'switch-' || $1::int || '-' || ${name}, 'PENDING', now()
       FROM generate_series($2::int, $3::int) AS g`,
      [deploymentId, fromSeq, toSeq],
    );
  }

  async list(skip: number, limit: number): Promise<DeploymentEntity[]> {
    return this.dataSource.getRepository(DeploymentEntity).find({
      order: { createdAt: 'DESC', id: 'DESC' },
      skip,
      take: limit,
    });
  }

  async findOrFail(id: number): Promise<DeploymentEntity> {
    const deployment = await this.dataSource.getRepository(DeploymentEntity).findOneBy({ id });
    if (!deployment) throw new NotFoundException('Deployment not found');
    return deployment;
  }

  async stateCounts(id: number): Promise<Record<NodeState, number>> {
    const rows: { state: NodeState; n: number }[] = await this.dataSource.query(
      `SELECT state, count(*)::int AS n FROM nodes WHERE deployment_id = $1 GROUP BY state`,
      [id],
    );
    const counts = Object.fromEntries(NODE_STATES.map((s) => [s, 0])) as Record<NodeState, number>;
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  async detail(id: number): Promise<DeploymentDetailResponse> {
    const deployment = await this.findOrFail(id);
    const counts = await this.stateCounts(id);
    return {
      ...DeploymentResponse.from(deployment),
      current_node_count: Object.values(counts).reduce((a, b) => a + b, 0),
      state_counts: counts,
      status: deploymentStatus(counts),
      progress_percent: progressPercent(counts),
      started_at: deployment.startedAt?.toISOString() ?? null,
      finished_at: deployment.finishedAt?.toISOString() ?? null,
    };
  }
}
