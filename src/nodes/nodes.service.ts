import {
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditContext } from '../common/audit-context';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { EventType } from '../domain/event-type';
import { MAX_LINKS, MAX_SPINES, planGrowth } from '../domain/fabric-topology';
import { nodeName, NodeRef, parseNodeRef } from '../domain/node-ref';
import { NodeRole } from '../domain/node-role';
import { NodeState } from '../domain/node-state';
import { WakeUpService } from '../lifecycle/wake-ups.service';
import { RolloutsService } from '../rollouts/rollouts.service';
import { DeploymentsRepository } from '../store/deployments.repository';
import { EventsRepository } from '../store/events.repository';
import { LinksRepository } from '../store/links.repository';
import { LockService } from '../store/locks';
import { NodeEntity } from '../store/node.entity';
import { NodesRepository } from '../store/nodes.repository';
import { Queryable } from '../store/queryable';
import { TelemetryRepository } from '../store/telemetry.repository';
import { NodeResponse } from './dto/node.response';

const MAX_INT32 = 2_147_483_647;

/**
 * A deployment's nodes: reads, grow, rename, decommission and retry. Each change runs in one
 * transaction with its audit event under the deployment change lock; once it has committed, the
 * service wakes the workers.
 */
@Injectable()
export class NodesService {
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

  /** Nodes of a deployment in node-number order, with the count of all that match; 404 if gone. */
  async list(
    deploymentId: number,
    filter: { state?: NodeState; role?: NodeRole; skip?: number; limit?: number },
  ): Promise<{ nodes: NodeEntity[]; total: number }> {
    await this.requireDeployment(deploymentId);
    return this.nodes.list(deploymentId, filter);
  }

  /** The node named by `17` or `node-017` in this deployment, or 404 (deployment or node). */
  async find(deploymentId: number, ref: string, m?: Queryable): Promise<NodeEntity> {
    const parsed = parseNodeRef(ref);
    if (!parsed) {
      throw new UnprocessableEntityException(
        'node_id must be a node id such as 17 or a name such as node-017',
      );
    }
    await this.requireDeployment(deploymentId, m);
    const node = await this.nodes.findByRef(m, deploymentId, parsed);
    if (!node) {
      throw new NotFoundException(
        `Node ${describe(parsed)} not found in deployment ${deploymentId}`,
      );
    }
    return node;
  }

  /**
   * Adds `count` PENDING nodes of `role` numbered after the highest existing one;
   * target_node_count follows and MAX_NODES_PER_DEPLOYMENT holds. In a fabric, new leaves and
   * border leaves get a link to every spine and new spines a link to every leaf and border leaf,
   * in the same transaction. Then wakes their shards.
   */
  async grow(
    deploymentId: number,
    count: number,
    audit: AuditContext,
    role: NodeRole = NodeRole.LEAF,
  ): Promise<{ nodes: NodeEntity[]; targetNodeCount: number }> {
    const grown = await this.dataSource.transaction(async (m) => {
      await this.locks.deploymentChange(m, deploymentId);
      const deployment = await this.deployments.find(deploymentId, m);
      if (!deployment) throw new NotFoundException('Deployment not found');
      const fabric = deployment.spineCount !== null;
      if (!fabric && role !== NodeRole.LEAF) {
        throw new UnprocessableEntityException(
          `role must be leaf: deployment ${deploymentId} was created without a topology and has only leaves`,
        );
      }
      if (role === NodeRole.SPINE && deployment.spineCount! + count > MAX_SPINES) {
        throw new UnprocessableEntityException(
          `count must not be greater than ${Math.max(0, MAX_SPINES - deployment.spineCount!)}: the fabric has ${deployment.spineCount} spines and takes at most ${MAX_SPINES}`,
        );
      }
      const { n, top } = await this.nodes.countAndTop(m, deploymentId);
      const max = this.config.maxNodesPerDeployment;
      if (n + count > max || deployment.targetNodeCount + count > max) {
        throw new UnprocessableEntityException(
          `count must not be greater than ${Math.max(0, max - Math.max(n, deployment.targetNodeCount))}: the deployment has ${n} nodes and MAX_NODES_PER_DEPLOYMENT is ${max}`,
        );
      }
      if (top + count > MAX_INT32) {
        throw new UnprocessableEntityException('count would number nodes beyond the largest id');
      }
      // A deployment rolled out in waves gets the new nodes as further waves at its end.
      const dueUpTo = await this.rollouts.nodesAdded(
        m,
        deploymentId,
        top + 1,
        top + count,
        n + count,
        audit,
      );
      let links = 0;
      if (fabric) {
        const ordinal = await this.nodes.nextRoleOrdinal(m, deploymentId, role);
        const peers =
          role === NodeRole.SPINE
            ? await this.links.leafPeers(m, deploymentId)
            : await this.links.spinePeers(m, deploymentId);
        const existing = await this.links.count(m, deploymentId);
        if (existing + count * peers.length > MAX_LINKS) {
          throw new UnprocessableEntityException(
            `count must not be greater than ${Math.floor((MAX_LINKS - existing) / Math.max(1, peers.length))}: each new ${role} adds ${peers.length} links to the fabric's ${existing}, and a fabric takes at most ${MAX_LINKS}`,
          );
        }
        const plan = planGrowth(role, count, top, ordinal, peers);
        await this.nodes.insertPending(
          m,
          deploymentId,
          top + 1,
          top + count,
          plan.nodes[0],
          dueUpTo,
        );
        links = await this.links.insertPlanned(m, deploymentId, plan.links);
      } else {
        await this.nodes.insertPending(m, deploymentId, top + 1, top + count, undefined, dueUpTo);
      }
      const target = deployment.targetNodeCount + count;
      // The rollout is running again until the new nodes are done.
      await this.deployments.grown(m, deploymentId, target, role, count);
      const nodes = await this.nodes.listAfter(m, deploymentId, top);
      await this.events.write(m, {
        deploymentId,
        type: EventType.NODES_ADDED,
        metadata: {
          count,
          first: nodeName(top + 1),
          last: nodeName(top + count),
          before: { target_node_count: deployment.targetNodeCount },
          after: { target_node_count: target },
          ...(fabric ? { role, links } : {}),
        },
        ...audit,
      });
      return { nodes, targetNodeCount: target };
    });
    await this.wakeUps.armWaitingNodes(deploymentId, audit.requestId);
    return grown;
  }

  async updateHostname(
    deploymentId: number,
    ref: string,
    hostname: string,
    audit: AuditContext,
  ): Promise<NodeEntity> {
    return this.dataSource.transaction(async (m) => {
      const node = await this.find(deploymentId, ref, m);
      if (!(await this.nodes.setHostname(m, node.id, hostname))) {
        throw new NotFoundException(`Node ${node.nodeId} not found`);
      }
      await this.events.write(m, {
        deploymentId,
        type: EventType.NODE_UPDATED,
        nodeId: node.id,
        nodeIdentifier: node.nodeId,
        metadata: { before: { hostname: node.hostname }, after: { hostname } },
        ...audit,
      });
      return (await this.nodes.findById(m, node.id))!;
    });
  }

  /**
   * Decommissions a node: the row goes (after any worker batch or telemetry write in flight for
   * the deployment; later ones no longer see it), its samples go, target_node_count follows and
   * a NODE_DELETED event keeps the record.
   */
  async remove(deploymentId: number, ref: string, audit: AuditContext): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await this.locks.deploymentChange(m, deploymentId);
      // Same order as a deployment delete: the row first, so telemetry writers and lifecycle
      // batches (KEY SHARE on it before their node work) are never waited on while they wait on us.
      await this.locks.forUpdate(m, deploymentId);
      const node = await this.find(deploymentId, ref, m);
      const state = await this.nodes.delete(m, node.id);
      if (state === null) throw new NotFoundException(`Node ${node.nodeId} not found`);
      await this.telemetry.deleteSamples(m, { deploymentId, nodeId: node.id });
      const links = await this.links.deleteForNode(m, node.id);
      const before = await this.deployments.nodeRemoved(m, deploymentId, node.role);
      await this.events.write(m, {
        deploymentId,
        type: EventType.NODE_DELETED,
        nodeId: node.id,
        nodeIdentifier: node.nodeId,
        fromState: state,
        metadata: {
          before: NodeResponse.from({ ...node, state }),
          target_node_count: { before, after: Math.max(before - 1, 0) },
          ...(links > 0 ? { links_removed: links } : {}),
        },
        ...audit,
      });
    });
  }

  /**
   * Marks a FAILED node for retry (attempt + 1, due now) and wakes its shard; the lifecycle
   * moves it to PROVISIONING. 409 for any other state and for a FAILED node already marked.
   */
  async retry(deploymentId: number, ref: string, audit: AuditContext): Promise<NodeEntity> {
    const node = await this.dataSource.transaction(async (m) => {
      await this.locks.deploymentChange(m, deploymentId);
      const found = await this.find(deploymentId, ref, m);
      const attempt = await this.nodes.markForRetry(m, found.id);
      if (attempt === null) {
        const now = await this.nodes.stateOf(m, found.id);
        if (!now) throw new NotFoundException(`Node ${found.nodeId} not found`);
        throw new ConflictException(
          now.state === NodeState.FAILED
            ? `Node ${found.nodeId} is already marked for retry`
            : `Node ${found.nodeId} is ${now.state}; only a FAILED node can be retried`,
        );
      }
      await this.deployments.unfinish(deploymentId, m);
      await this.events.write(m, {
        deploymentId,
        type: EventType.NODE_RETRIED,
        nodeId: found.id,
        nodeIdentifier: found.nodeId,
        fromState: NodeState.FAILED,
        metadata: { attempt },
        ...audit,
      });
      return (await this.nodes.findById(m, found.id))!;
    });
    await this.wakeUps.armWaitingNodes(deploymentId, audit.requestId);
    return node;
  }

  private async requireDeployment(deploymentId: number, m?: Queryable): Promise<void> {
    if (!(await this.deployments.exists(deploymentId, m))) {
      throw new NotFoundException('Deployment not found');
    }
  }
}

function describe(ref: NodeRef): string {
  return ref.kind === 'id' ? String(ref.id) : nodeName(ref.seq);
}
