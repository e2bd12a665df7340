import {
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  PreconditionFailedException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { EventType } from '../domain/event-type';
import { writeEvent } from '../events/event-writer';
import { NODE_STATES, NodeState } from '../domain/node-state';
import { DeploymentEntity } from '../store/deployment.entity';
import { lockDeploymentChanges } from './deployment-lock';
import { deploymentStatus, progressPercent } from '../domain/deployment-status';
import { CreateDeploymentDto } from './dto/create-deployment.dto';
import { DeploymentDetailResponse, DeploymentResponse } from './dto/deployment.response';
import { RetryDeploymentResponse } from './dto/retry-deployment.response';
import { UpdateDeploymentDto } from './dto/update-deployment.dto';
import { ifMatchSatisfied } from './etag';

const PRECONDITION_FAILED =
  'If-Match does not match the current ETag; GET the deployment and try again';

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
    return (await this.detailAndVersion(id)).detail;
  }

  /** The detail body and the version its ETag is made of. */
  async detailAndVersion(
    id: number,
  ): Promise<{ detail: DeploymentDetailResponse; version: number }> {
    const deployment = await this.findOrFail(id);
    return { detail: await this.detailOf(deployment), version: deployment.version };
  }

  private async detailOf(deployment: DeploymentEntity): Promise<DeploymentDetailResponse> {
    const id = deployment.id;
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

  /**
   * Renames or re-describes the deployment. With If-Match the change applies only to the
   * version the client saw (412 otherwise), so two operators never overwrite each other.
   */
  async update(
    id: number,
    dto: UpdateDeploymentDto,
    ifMatch: string | undefined,
    requestId?: string,
  ): Promise<DeploymentEntity> {
    if (dto.name === undefined && dto.description === undefined) {
      throw new UnprocessableEntityException('Send at least one of name, description');
    }
    return this.dataSource.transaction(async (m) => {
      await lockDeploymentChanges(m, id);
      const rows: { name: string; description: string | null; version: number }[] = await m.query(
        `SELECT name, description, version FROM deployments WHERE id = $1 FOR NO KEY UPDATE`,
        [id],
      );
      if (rows.length === 0) throw new NotFoundException('Deployment not found');
      const before = rows[0];
      if (!ifMatchSatisfied(ifMatch, before.version)) {
        throw new PreconditionFailedException(PRECONDITION_FAILED);
      }
      const after = {
        name: dto.name ?? before.name,
        description: dto.description === undefined ? before.description : dto.description,
      };
      await m.query(
        `UPDATE deployments SET name = $2, description = $3, version = version + 1, updated_at = now()
         WHERE id = $1`,
        [id, after.name, after.description],
      );
      await writeEvent(m, {
        deploymentId: id,
        type: EventType.DEPLOYMENT_UPDATED,
        metadata: {
          before: { name: before.name, description: before.description },
          after,
          version: before.version + 1,
        },
        requestId,
      });
      return (await m.getRepository(DeploymentEntity).findOneBy({ id }))!;
    });
  }

  /**
   * Marks every FAILED node that is not already marked for retry (attempt + 1, due now); the
   * lifecycle moves each back to PROVISIONING. One statement, one event per node plus one for
   * the deployment.
   */
  async retryFailed(id: number, requestId?: string): Promise<RetryDeploymentResponse> {
    return this.dataSource.transaction(async (m) => {
      await lockDeploymentChanges(m, id);
      await this.findOrFailIn(m, id);
      const retried: { id: number }[] = await m.query(
        `WITH marked AS (
           UPDATE nodes SET attempt = attempt + 1, next_step_at = now(), updated_at = now()
           WHERE deployment_id = $1 AND state = 'FAILED' AND next_step_at IS NULL
           RETURNING id, node_id, attempt
         ), logged AS (
           INSERT INTO events (deployment_id, node_id, node_identifier, type, from_state, metadata, request_id)
           SELECT $1, id, node_id, $2, 'FAILED', jsonb_build_object('attempt', attempt, 'bulk', true), $3
           FROM marked
         )
         SELECT id FROM marked ORDER BY id`,
        [id, EventType.NODE_RETRIED, requestId ?? null],
      );
      if (retried.length === 0) {
        throw new ConflictException(
          'No FAILED node to retry in this deployment (FAILED nodes already marked for retry are not counted)',
        );
      }
      await m.query(`UPDATE deployments SET finished_at = NULL WHERE id = $1`, [id]);
      const nodeIds = retried.map((r) => r.id);
      await writeEvent(m, {
        deploymentId: id,
        type: EventType.DEPLOYMENT_RETRIED,
        metadata: { retried: nodeIds.length, node_ids: nodeIds },
        requestId,
      });
      return { deployment_id: id, retried: nodeIds.length, node_ids: nodeIds };
    });
  }

  /** The deployment inside a transaction, or 404. */
  async findOrFailIn(m: EntityManager, id: number): Promise<DeploymentEntity> {
    const deployment = await m.getRepository(DeploymentEntity).findOneBy({ id });
    if (!deployment) throw new NotFoundException('Deployment not found');
    return deployment;
  }
}
