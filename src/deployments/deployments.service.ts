import {
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  PreconditionFailedException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditContext } from '../common/audit-context';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { deploymentStatus, progressPercent } from '../domain/deployment-status';
import { EventType } from '../domain/event-type';
import {
  MAX_LINKS,
  planFabric,
  TopologyShape,
  topologyLinkCount,
  topologyNodeCount,
} from '../domain/fabric-topology';
import { NodeState } from '../domain/node-state';
import { WakeUpService } from '../lifecycle/wake-ups.service';
import { rolloutView, RolloutsService } from '../rollouts/rollouts.service';
import { DeploymentEntity } from '../store/deployment.entity';
import { DeploymentsRepository, DeploymentWithCounts } from '../store/deployments.repository';
import { EventsRepository } from '../store/events.repository';
import { LinksRepository } from '../store/links.repository';
import { LockService } from '../store/locks';
import { NodesRepository } from '../store/nodes.repository';
import { TelemetryRepository } from '../store/telemetry.repository';
import { CreateDeploymentDto } from './dto/create-deployment.dto';
import { DeploymentDetailResponse, DeploymentResponse } from './dto/deployment.response';
import { RetryDeploymentResponse } from './dto/retry-deployment.response';
import { UpdateDeploymentDto } from './dto/update-deployment.dto';
import { ifMatchSatisfied } from '../domain/etag';

/** 412 unless If-Match (when sent) names the current version. */
function assertIfMatch(header: string | undefined, version: number): void {
  if (!ifMatchSatisfied(header, version)) {
    throw new PreconditionFailedException(
      'If-Match does not match the current ETag; GET the deployment and try again',
    );
  }
}

/**
 * A deployment's changes. Each runs in one transaction with its audit event; once it has
 * committed, the service wakes the workers (or drops their wake-ups), never the controller.
 * API changes to one deployment are serialised by the deployment change lock.
 */
@Injectable()
export class DeploymentsService {
  private readonly logger = new Logger(DeploymentsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DeploymentsRepository) private readonly deployments: DeploymentsRepository,
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(LinksRepository) private readonly links: LinksRepository,
    @Inject(EventsRepository) private readonly events: EventsRepository,
    @Inject(TelemetryRepository) private readonly telemetry: TelemetryRepository,
    @Inject(LockService) private readonly locks: LockService,
    @Inject(WakeUpService) private readonly wakeUps: WakeUpService,
    @Inject(RolloutsService) private readonly rollouts: RolloutsService,
  ) {}

  /**
   * Writes the deployment, all its nodes (one multi-row INSERT per role) and, for a fabric, its
   * links and its creation event in one transaction; every node is PENDING and due at once. Then
   * wakes the shards.
   */
  async create(dto: CreateDeploymentDto, audit: AuditContext): Promise<DeploymentEntity> {
    const shape = topologyOf(dto);
    const total = shape ? topologyNodeCount(shape) : dto.target_node_count!;
    if (shape && dto.target_node_count !== undefined && dto.target_node_count !== total) {
      throw new UnprocessableEntityException(
        `target_node_count (${dto.target_node_count}) and topology (${describeShape(shape)} = ${total} nodes) differ; leave target_node_count out or make them equal`,
      );
    }
    if (total > this.config.maxNodesPerDeployment) {
      throw new UnprocessableEntityException(
        shape
          ? `topology has ${total} nodes (${describeShape(shape)}); it must not have more than ${this.config.maxNodesPerDeployment} (MAX_NODES_PER_DEPLOYMENT)`
          : `target_node_count must not be greater than ${this.config.maxNodesPerDeployment} (MAX_NODES_PER_DEPLOYMENT)`,
      );
    }
    if (shape && topologyLinkCount(shape) > MAX_LINKS) {
      throw new UnprocessableEntityException(
        `topology has ${topologyLinkCount(shape)} links (${shape.spines} spines x ${shape.leaves + shape.borderLeaves} leaves and border leaves); a fabric takes at most ${MAX_LINKS}`,
      );
    }
    const fabric = shape ? planFabric(shape) : null;
    const strategy = dto.strategy ? this.rollouts.normalize(dto.strategy) : null;
    // Order `role` keeps every wave within one role: spines, then border leaves, then leaves.
    const waveEnds = strategy
      ? this.rollouts.plan(
          strategy,
          total,
          1,
          total,
          fabric?.nodes.map((n) => ({ from: n.fromSeq, to: n.toSeq })),
        )
      : null;
    const dueUpTo = waveEnds ? waveEnds[0] : total;
    const deployment = await this.dataSource.transaction(async (m) => {
      const created = await this.deployments.insert(m, {
        name: dto.name,
        description: dto.description ?? null,
        targetNodeCount: total,
        maxParallel: dto.max_parallel ?? null,
        spineCount: shape?.spines ?? null,
        leafCount: shape?.leaves ?? null,
        borderLeafCount: shape?.borderLeaves ?? null,
      });
      // Under a strategy only the first wave is due; later waves wait for their turn.
      let links = 0;
      if (shape) {
        for (const nodes of fabric!.nodes) {
          await this.nodes.insertPending(
            m,
            created.id,
            nodes.fromSeq,
            nodes.toSeq,
            nodes,
            Math.min(nodes.toSeq, dueUpTo),
          );
        }
        links = await this.links.insertPlanned(m, created.id, fabric!.links);
      } else {
        await this.nodes.insertPending(m, created.id, 1, total, undefined, dueUpTo);
      }
      await this.events.write(m, {
        deploymentId: created.id,
        type: EventType.DEPLOYMENT_CREATED,
        metadata: {
          name: dto.name,
          target_node_count: total,
          max_parallel: dto.max_parallel ?? null,
          strategy,
          ...(shape
            ? {
                topology: {
                  spines: shape.spines,
                  leaves: shape.leaves,
                  border_leaves: shape.borderLeaves,
                },
                links,
              }
            : {}),
        },
        ...audit,
      });
      if (strategy && waveEnds) {
        await this.rollouts.createIn(m, created.id, strategy, waveEnds, audit);
      }
      return created;
    });
    await this.wakeUps.armNewDeployment(
      {
        id: deployment.id,
        nodeCount: waveEnds ? waveEnds[0] : deployment.targetNodeCount,
        maxParallel: deployment.maxParallel,
        createdAt: deployment.createdAt,
      },
      audit.requestId,
    );
    return deployment;
  }

  /** A page of deployments, newest first, each as GET /deployments/{id} shows it. */
  async list(skip: number, limit: number): Promise<DeploymentDetailResponse[]> {
    return (await this.deployments.list(skip, limit)).map(detailOf);
  }

  /** The detail body and the version its ETag is made of. */
  detailAndVersion(id: number): Promise<{ detail: DeploymentDetailResponse; version: number }> {
    // GET /deployments/{id}, the hottest read: a promise chain rather than an async function
    // (one promise less per request).
    return this.deployments.detail(id).then((found) => {
      if (!found) throw new NotFoundException('Deployment not found');
      return { detail: detailOf(found), version: found.deployment.version };
    });
  }

  /**
   * Renames or re-describes the deployment. With If-Match the change applies only to the
   * version the client saw (412 otherwise), so two operators never overwrite each other.
   */
  async update(
    id: number,
    dto: UpdateDeploymentDto,
    ifMatch: string | undefined,
    audit: AuditContext,
  ): Promise<DeploymentEntity> {
    if (dto.name === undefined && dto.description === undefined) {
      throw new UnprocessableEntityException('Send at least one of name, description');
    }
    return this.dataSource.transaction(async (m) => {
      await this.locks.deploymentChange(m, id);
      if ((await this.locks.noKeyUpdate(m, id)) === null) {
        throw new NotFoundException('Deployment not found');
      }
      const before = (await this.deployments.find(id, m))!;
      assertIfMatch(ifMatch, before.version);
      const after = {
        name: dto.name ?? before.name,
        description: dto.description === undefined ? before.description : dto.description,
      };
      await this.deployments.rename(m, id, after);
      await this.events.write(m, {
        deploymentId: id,
        type: EventType.DEPLOYMENT_UPDATED,
        metadata: {
          before: { name: before.name, description: before.description },
          after,
          version: before.version + 1,
        },
        ...audit,
      });
      return (await this.deployments.find(id, m))!;
    });
  }

  /**
   * Marks every FAILED node that is not already marked for retry (attempt + 1, due now), with
   * one event per node plus one for the deployment; then wakes their shards, and the lifecycle
   * moves each back to PROVISIONING.
   */
  async retryFailed(id: number, audit: AuditContext): Promise<RetryDeploymentResponse> {
    const result = await this.dataSource.transaction(async (m) => {
      await this.locks.deploymentChange(m, id);
      if (!(await this.deployments.exists(id, m))) {
        throw new NotFoundException('Deployment not found');
      }
      const retried = await this.nodes.markAllFailedForRetry(m, id);
      if (retried.length === 0) {
        throw new ConflictException(
          'No FAILED node to retry in this deployment (FAILED nodes already marked for retry are not counted)',
        );
      }
      await this.events.writeNodeEvents(
        m,
        {
          deploymentId: id,
          type: EventType.NODE_RETRIED,
          fromState: NodeState.FAILED,
          metadata: { bulk: true },
          ...audit,
        },
        retried,
      );
      await this.deployments.unfinish(id, m);
      const nodeIds = retried.map((r) => r.id);
      await this.events.write(m, {
        deploymentId: id,
        type: EventType.DEPLOYMENT_RETRIED,
        metadata: { retried: nodeIds.length, node_ids: nodeIds },
        ...audit,
      });
      return { deployment_id: id, retried: nodeIds.length, node_ids: nodeIds };
    });
    await this.wakeUps.armWaitingNodes(id, audit.requestId);
    return result;
  }

  /**
   * Removes a deployment with what it owns, safely against running workers: one transaction,
   * in the lock order every worker follows. The deployment row FOR UPDATE first (lifecycle
   * batches and telemetry writers take KEY SHARE on it before touching nodes or samples, so the
   * ones running now finish first and later ones wait, then find it gone), then the nodes, the
   * telemetry, a DEPLOYMENT_DELETED event with who asked, and the row itself. The audit trail
   * stays (read at GET /events?deployment_id=, until EVENT_RETENTION_DAYS): the delete's event
   * is its last row, written before the row goes, so a live stream sends it and then ends.
   * Then the pending wake-ups go.
   */
  async delete(id: number, ifMatch: string | undefined, audit: AuditContext): Promise<void> {
    const removed = await this.dataSource.transaction(async (m) => {
      await this.locks.deploymentChange(m, id);
      const found = await this.locks.forUpdate(m, id);
      if (found === null) throw new NotFoundException('Deployment not found');
      assertIfMatch(ifMatch, found.version);
      const deployment = (await this.deployments.find(id, m))!;
      const nodes = await this.nodes.deleteAll(m, id);
      await this.links.deleteAll(m, id);
      await this.telemetry.deleteSamples(m, { deploymentId: id });
      await this.events.write(m, {
        deploymentId: id,
        type: EventType.DEPLOYMENT_DELETED,
        metadata: {
          name: deployment.name,
          target_node_count: deployment.targetNodeCount,
          version: deployment.version,
          nodes_removed: nodes,
        },
        ...audit,
      });
      if (!(await this.deployments.delete(m, id))) {
        throw new NotFoundException('Deployment not found');
      }
      return nodes;
    });
    this.logger.log(
      `Deployment ${id} deleted with ${removed} nodes (request ${audit.requestId ?? '-'}, actor ${audit.actor ?? '-'})`,
    );
    await this.wakeUps.dropDeployment(id);
  }
}

/** The fabric a create asks for, or null for a deployment without a topology. */
function topologyOf(dto: CreateDeploymentDto): TopologyShape | null {
  if (!dto.topology) return null;
  return {
    spines: dto.topology.spines,
    leaves: dto.topology.leaves,
    borderLeaves: dto.topology.border_leaves ?? 0,
  };
}

function describeShape(shape: TopologyShape): string {
  return `${shape.spines} spines + ${shape.borderLeaves} border leaves + ${shape.leaves} leaves`;
}

/**
 * A deployment with its counts and rollout as the API shows it: the detail fields are added to
 * the summary object in their response order instead of copying it into a new one.
 */
function detailOf({ deployment, counts, rollout }: DeploymentWithCounts): DeploymentDetailResponse {
  const detail = DeploymentResponse.from(deployment) as DeploymentDetailResponse;
  detail.current_node_count = Object.values(counts).reduce((a, b) => a + b, 0);
  detail.state_counts = counts;
  detail.status = deploymentStatus(counts);
  detail.progress_percent = progressPercent(counts);
  detail.started_at = deployment.startedAt?.toISOString() ?? null;
  detail.finished_at = deployment.finishedAt?.toISOString() ?? null;
  detail.rollout = rollout && rolloutView(rollout, counts);
  return detail;
}
