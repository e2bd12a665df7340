import {
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { lockDeploymentChanges } from '../deployments/deployment-lock';
import { DeploymentsService } from '../deployments/deployments.service';
import { EventType } from '../domain/event-type';
import { writeEvent } from '../events/event-writer';
import { TelemetryStorageService } from '../telemetry/telemetry-storage.service';
import { NodeEntity } from '../store/node.entity';
import { nodeName, NodeRef, parseNodeRef } from '../domain/node-ref';
import { NodeState } from '../domain/node-state';
import { NodeResponse } from './dto/node.response';

@Injectable()
export class NodesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly deployments: DeploymentsService,
    private readonly telemetry: TelemetryStorageService,
  ) {}

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

  /** The node named by `17` or `node-017` in this deployment, or 404 (deployment or node). */
  async find(deploymentId: number, ref: string, m?: EntityManager): Promise<NodeEntity> {
    const manager = m ?? this.dataSource.manager;
    const parsed = parseNodeRef(ref);
    if (!parsed) {
      throw new UnprocessableEntityException(
        'node_id must be a node id such as 17 or a name such as node-017',
      );
    }
    await this.deployments.findOrFailIn(manager, deploymentId);
    const node = await manager
      .getRepository(NodeEntity)
      .findOneBy(
        parsed.kind === 'id' ? { deploymentId, id: parsed.id } : { deploymentId, seq: parsed.seq },
      );
    if (!node)
      throw new NotFoundException(
        `Node ${describe(parsed)} not found in deployment ${deploymentId}`,
      );
    return node;
  }

  /**
   * Adds `count` PENDING nodes numbered after the highest existing one; target_node_count
   * follows and MAX_NODES_PER_DEPLOYMENT holds. The caller wakes the lifecycle after commit.
   */
  async grow(
    deploymentId: number,
    count: number,
    requestId?: string,
  ): Promise<{ nodes: NodeEntity[]; targetNodeCount: number }> {
    return this.dataSource.transaction(async (m) => {
      await lockDeploymentChanges(m, deploymentId);
      const deployment = await this.deployments.findOrFailIn(m, deploymentId);
      const [{ n, top }]: { n: number; top: number }[] = await m.query(
        `SELECT count(*)::int AS n, COALESCE(max(seq), 0)::int AS top FROM nodes WHERE deployment_id = $1`,
        [deploymentId],
      );
      const max = this.config.maxNodesPerDeployment;
      if (n + count > max || deployment.targetNodeCount + count > max) {
        throw new UnprocessableEntityException(
          `count must not be greater than ${Math.max(0, max - Math.max(n, deployment.targetNodeCount))}: the deployment has ${n} nodes and MAX_NODES_PER_DEPLOYMENT is ${max}`,
        );
      }
      if (top + count > 2_147_483_647) {
        throw new UnprocessableEntityException('count would number nodes beyond the largest id');
      }
      await this.deployments.insertNodes(m, deploymentId, top + 1, top + count);
      const target = deployment.targetNodeCount + count;
      // The rollout is running again until the new nodes are done.
      await m.query(
        `UPDATE deployments SET target_node_count = $2, version = version + 1, updated_at = now(),
           finished_at = NULL WHERE id = $1`,
        [deploymentId, target],
      );
      const nodes = await m
        .getRepository(NodeEntity)
        .createQueryBuilder('n')
        .where('n.deployment_id = :deploymentId AND n.seq > :top', { deploymentId, top })
        .orderBy('n.seq', 'ASC')
        .getMany();
      await writeEvent(m, {
        deploymentId,
        type: EventType.NODES_ADDED,
        metadata: {
          count,
          first: nodeName(top + 1),
          last: nodeName(top + count),
          before: { target_node_count: deployment.targetNodeCount },
          after: { target_node_count: target },
        },
        requestId,
      });
      return { nodes, targetNodeCount: target };
    });
  }

  async updateHostname(
    deploymentId: number,
    ref: string,
    hostname: string,
    requestId?: string,
  ): Promise<NodeEntity> {
    return this.dataSource.transaction(async (m) => {
      const node = await this.find(deploymentId, ref, m);
      const updated: unknown[] = await m.query(
        `WITH changed AS (UPDATE nodes SET hostname = $2, updated_at = now() WHERE id = $1 RETURNING id)
         SELECT id FROM changed`,
        [node.id, hostname],
      );
      if (updated.length === 0) throw new NotFoundException(`Node ${node.nodeId} not found`);
      await writeEvent(m, {
        deploymentId,
        type: EventType.NODE_UPDATED,
        nodeId: node.id,
        nodeIdentifier: node.nodeId,
        metadata: { before: { hostname: node.hostname }, after: { hostname } },
        requestId,
      });
      return (await m.getRepository(NodeEntity).findOneBy({ id: node.id }))!;
    });
  }

  /**
   * Decommissions a node: the row goes (after any worker batch or telemetry write in flight for
   * the deployment; later ones no longer see it), its samples go, target_node_count follows and
   * a NODE_DELETED event keeps the record.
   */
  async remove(deploymentId: number, ref: string, requestId?: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await lockDeploymentChanges(m, deploymentId);
      // Same order as a deployment delete: the row first, so telemetry writers and lifecycle
      // batches (KEY SHARE on it before their node work) are never waited on while they wait on us.
      await m.query(`SELECT 1 FROM deployments WHERE id = $1 FOR UPDATE`, [deploymentId]);
      const node = await this.find(deploymentId, ref, m);
      const gone: { state: NodeState }[] = await m.query(
        `WITH gone AS (DELETE FROM nodes WHERE id = $1 RETURNING state) SELECT state FROM gone`,
        [node.id],
      );
      if (gone.length === 0) throw new NotFoundException(`Node ${node.nodeId} not found`);
      await this.telemetry.deleteSamples(m, { deploymentId, nodeId: node.id });
      const [before]: { target_node_count: number }[] = await m.query(
        `SELECT target_node_count FROM deployments WHERE id = $1`,
        [deploymentId],
      );
      // When the last node still rolling out is the one removed, the rollout is over.
      await m.query(
        `UPDATE deployments SET target_node_count = GREATEST(target_node_count - 1, 0),
           version = version + 1, updated_at = now(),
           finished_at = CASE
             WHEN finished_at IS NULL AND started_at IS NOT NULL AND EXISTS (SELECT 1 FROM nodes WHERE deployment_id = $1)
               AND NOT EXISTS (SELECT 1 FROM nodes WHERE deployment_id = $1 AND state NOT IN ('RUNNING', 'FAILED'))
             THEN now() ELSE finished_at END
         WHERE id = $1`,
        [deploymentId],
      );
      await writeEvent(m, {
        deploymentId,
        type: EventType.NODE_DELETED,
        nodeId: node.id,
        nodeIdentifier: node.nodeId,
        fromState: gone[0].state,
        metadata: {
          before: NodeResponse.from({ ...node, state: gone[0].state }),
          target_node_count: {
            before: before.target_node_count,
            after: Math.max(before.target_node_count - 1, 0),
          },
        },
        requestId,
      });
    });
  }

  /**
   * Marks a FAILED node for retry (attempt + 1, due now); the lifecycle moves it to
   * PROVISIONING. 409 for any other state and for a FAILED node already marked.
   */
  async retry(deploymentId: number, ref: string, requestId?: string): Promise<NodeEntity> {
    return this.dataSource.transaction(async (m) => {
      await lockDeploymentChanges(m, deploymentId);
      const node = await this.find(deploymentId, ref, m);
      const marked: { attempt: number }[] = await m.query(
        `WITH marked AS (
           UPDATE nodes SET attempt = attempt + 1, next_step_at = now(), updated_at = now()
           WHERE id = $1 AND state = 'FAILED' AND next_step_at IS NULL RETURNING attempt
         )
         SELECT attempt FROM marked`,
        [node.id],
      );
      if (marked.length === 0) {
        const [now]: { state: string; next_step_at: Date | null }[] = await m.query(
          `SELECT state, next_step_at FROM nodes WHERE id = $1`,
          [node.id],
        );
        if (!now) throw new NotFoundException(`Node ${node.nodeId} not found`);
        throw new ConflictException(
          now.state === NodeState.FAILED
            ? `Node ${node.nodeId} is already marked for retry`
            : `Node ${node.nodeId} is ${now.state}; only a FAILED node can be retried`,
        );
      }
      await m.query(`UPDATE deployments SET finished_at = NULL WHERE id = $1`, [deploymentId]);
      await writeEvent(m, {
        deploymentId,
        type: EventType.NODE_RETRIED,
        nodeId: node.id,
        nodeIdentifier: node.nodeId,
        fromState: NodeState.FAILED,
        metadata: { attempt: marked[0].attempt },
        requestId,
      });
      return (await m.getRepository(NodeEntity).findOneBy({ id: node.id }))!;
    });
  }
}

function describe(ref: NodeRef): string {
  return ref.kind === 'id' ? String(ref.id) : nodeName(ref.seq);
}
