import {
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { AuditContext } from '../common/audit-context';
import { FeatureConfig } from '../config/config-slices';
import { InjectConfig } from '../config/config.module';
import { EventType } from '../domain/event-type';
import { MAX_LINKS, MAX_SPINES, planGrowth } from '../domain/fabric-topology';
import {
  canonicalAddress,
  InventoryNode,
  inventoryProblems,
  numberedInventory,
} from '../domain/inventory';
import { nodeName, NodeRef, parseNodeRef } from '../domain/node-ref';
import { NodeRole } from '../domain/node-role';
import { NodeState } from '../domain/node-state';
import { WakeUpService } from '../lifecycle/wake-ups.service';
import { RolloutsService } from '../rollouts/rollouts.service';
import { DeploymentChangeService } from '../store/deployment-change.service';
import { DeploymentsRepository } from '../store/deployments.repository';
import { LinksRepository } from '../store/links.repository';
import { DeploymentRowLock } from '../store/locks';
import { NodeChangesRepository, NodeFilter } from '../store/node-changes.repository';
import { NodeRow } from '../store/node-row';
import { Queryable } from '../store/queryable';
import { TelemetryRepository } from '../store/telemetry.repository';
import { NodeResponse } from './dto/node.response';

const MAX_INT32 = 2_147_483_647;
const ROLES = [NodeRole.SPINE, NodeRole.BORDER_LEAF, NodeRole.LEAF];
const roleOf = (node: InventoryNode) => node.role ?? NodeRole.LEAF;

/** What PATCH .../nodes/{node_id} may change; null vars clears them. */
export interface NodeChange {
  hostname?: string;
  management_address?: string;
  vars?: Record<string, unknown> | null;
}

/**
 * A deployment's nodes: reads, grow, rename, decommission and retry. Each change is stated as a
 * unit of work (DeploymentChangeService): one transaction with its audit event under the
 * deployment change lock, waking the workers once it has committed.
 */
@Injectable()
export class NodesService {
  constructor(
    @InjectConfig('nodes') private readonly config: FeatureConfig<'nodes'>,
    @Inject(DeploymentChangeService) private readonly changes: DeploymentChangeService,
    @Inject(DeploymentsRepository) private readonly deployments: DeploymentsRepository,
    @Inject(NodeChangesRepository) private readonly nodes: NodeChangesRepository,
    @Inject(LinksRepository) private readonly links: LinksRepository,
    @Inject(TelemetryRepository) private readonly telemetry: TelemetryRepository,
    @Inject(WakeUpService) private readonly wakeUps: WakeUpService,
    @Inject(RolloutsService) private readonly rollouts: RolloutsService,
  ) {}

  /** Nodes of a deployment in node-number order, with the count of all that match; 404 if gone. */
  async list(
    deploymentId: number,
    filter: NodeFilter,
  ): Promise<{ nodes: NodeRow[]; total: number }> {
    await this.requireDeployment(deploymentId);
    return this.nodes.list(deploymentId, filter);
  }

  /** The node named by `17` or `node-017` in this deployment, or 404 (deployment or node). */
  async find(deploymentId: number, ref: string, q?: Queryable): Promise<NodeRow> {
    const parsed = parseRef(ref);
    await this.requireDeployment(deploymentId, q);
    return this.nodeOf(q, deploymentId, parsed);
  }

  /**
   * Adds `count` PENDING nodes of `role` numbered after the highest existing one, or the nodes
   * of an inventory (`nodes`: spines, border leaves, then leaves, each in the order given, with
   * their host names, addresses and vars; 422 naming every entry whose host name or address the
   * request or the deployment already has); target_node_count follows and
   * MAX_NODES_PER_DEPLOYMENT holds. In a fabric, new leaves and border leaves get a link to every
   * spine and new spines a link to every leaf and border leaf, in the same transaction. Then
   * wakes their shards.
   */
  async grow(
    deploymentId: number,
    request: { count: number; role?: NodeRole } | { nodes: InventoryNode[] },
    audit: AuditContext,
  ): Promise<{ nodes: NodeRow[]; targetNodeCount: number }> {
    const spec = { deploymentId, lock: DeploymentRowLock.KEY_SHARE, audit };
    return this.changes.change(spec, async ({ q, deployment, record, afterCommit }) => {
      const inventory = 'nodes' in request ? numberedInventory(request.nodes) : null;
      if ('nodes' in request) await this.checkInventory(q, deploymentId, request.nodes);
      const groups = inventory
        ? ROLES.map((role) => ({ role, nodes: inventory.filter((n) => roleOf(n) === role) }))
        : [{ role: ('role' in request && request.role) || NodeRole.LEAF, nodes: null }];
      const count = 'nodes' in request ? request.nodes.length : request.count;
      const added = (role: NodeRole) =>
        groups
          .filter((g) => g.role === role)
          .reduce((sum, g) => sum + (g.nodes?.length ?? count), 0);
      const fabric = deployment.spine_count !== null;
      const field = inventory ? 'nodes' : 'count';
      if (!fabric && added(NodeRole.LEAF) !== count) {
        throw new UnprocessableEntityException(
          `role must be leaf: deployment ${deploymentId} was created without a topology and has only leaves`,
        );
      }
      if (
        added(NodeRole.SPINE) > 0 &&
        deployment.spine_count! + added(NodeRole.SPINE) > MAX_SPINES
      ) {
        throw new UnprocessableEntityException(
          `${field} must not add more than ${Math.max(0, MAX_SPINES - deployment.spine_count!)} spines: the fabric has ${deployment.spine_count} spines and takes at most ${MAX_SPINES}`,
        );
      }
      const { n, top } = await this.nodes.countAndTop(q, deploymentId);
      const max = this.config.maxNodesPerDeployment;
      const targetBefore = deployment.target_node_count;
      if (n + count > max || targetBefore + count > max) {
        throw new UnprocessableEntityException(
          `${field} must not add more than ${Math.max(0, max - Math.max(n, targetBefore))} nodes: the deployment has ${n} nodes and MAX_NODES_PER_DEPLOYMENT is ${max}`,
        );
      }
      if (top + count > MAX_INT32) {
        throw new UnprocessableEntityException('count would number nodes beyond the largest id');
      }
      // A deployment rolled out in waves gets the new nodes as further waves at its end.
      const dueUpTo = await this.rollouts.nodesAdded(
        q,
        deploymentId,
        top + 1,
        top + count,
        n + count,
        audit,
      );
      let links = 0;
      let after = top;
      let target = targetBefore;
      for (const group of groups) {
        const size = group.nodes?.length ?? count;
        if (size === 0) continue;
        links += await this.addGroup(
          q,
          deploymentId,
          fabric,
          group.role,
          size,
          after,
          dueUpTo,
          group.nodes,
        );
        after += size;
        target += size;
        // The rollout is running again until the new nodes are done.
        await this.deployments.grown(q, deploymentId, target, group.role, size);
      }
      const nodes = await this.nodes.listAfter(q, deploymentId, top);
      await record({
        type: EventType.NODES_ADDED,
        metadata: {
          count,
          first: nodeName(top + 1),
          last: nodeName(top + count),
          before: { target_node_count: targetBefore },
          after: { target_node_count: target },
          ...(inventory ? { inventory: true } : {}),
          ...(fabric ? { role: groups.length === 1 ? groups[0].role : 'mixed', links } : {}),
        },
      });
      afterCommit(() => this.wakeUps.armWaitingNodes(deploymentId, audit.requestId));
      return { nodes, targetNodeCount: target };
    });
  }

  /** 422 naming every entry whose host name or address repeats, in the request or the deployment. */
  private async checkInventory(q: Queryable, deploymentId: number, nodes: InventoryNode[]) {
    const taken = await this.nodes.identities(q, deploymentId);
    const problems = inventoryProblems(nodes, [], {
      hostnames: new Map(taken.map((t) => [t.hostname, t.node_id])),
      addresses: new Map(
        taken
          .filter((t) => t.ip_address !== null)
          .map((t) => [canonicalAddress(t.ip_address!), t.node_id]),
      ),
    });
    if (problems.length > 0) throw new UnprocessableEntityException(problems.join('; '));
  }

  /**
   * Inserts `size` nodes of one role after node `top` (the inventory's, or generated ones) and,
   * in a fabric, their links to the peers of the other side; how many links.
   */
  private async addGroup(
    q: Queryable,
    deploymentId: number,
    fabric: boolean,
    role: NodeRole,
    size: number,
    top: number,
    dueUpTo: number,
    inventory: InventoryNode[] | null,
  ): Promise<number> {
    const plan = fabric ? await this.growthPlan(q, deploymentId, role, size, top) : null;
    if (inventory) {
      await this.nodes.insertInventory(q, deploymentId, top + 1, inventory, dueUpTo);
    } else {
      await this.nodes.insertPending(q, deploymentId, top + 1, top + size, plan?.nodes[0], dueUpTo);
    }
    return plan ? this.links.insertPlanned(q, deploymentId, plan.links) : 0;
  }

  /** New nodes of a role in a fabric: their generated names and links, within MAX_LINKS. */
  private async growthPlan(
    q: Queryable,
    deploymentId: number,
    role: NodeRole,
    count: number,
    top: number,
  ) {
    const ordinal = await this.nodes.nextRoleOrdinal(q, deploymentId, role);
    const peers =
      role === NodeRole.SPINE
        ? await this.links.leafPeers(q, deploymentId)
        : await this.links.spinePeers(q, deploymentId);
    const existing = await this.links.count(q, deploymentId);
    if (existing + count * peers.length > MAX_LINKS) {
      throw new UnprocessableEntityException(
        `count must not be greater than ${Math.floor((MAX_LINKS - existing) / Math.max(1, peers.length))}: each new ${role} adds ${peers.length} links to the fabric's ${existing}, and a fabric takes at most ${MAX_LINKS}`,
      );
    }
    return planGrowth(role, count, top, ordinal, peers);
  }

  /**
   * Changes a node's host name, management address or vars (null clears them); 422 when
   * another node of the deployment has the host name or address.
   */
  async updateNode(
    deploymentId: number,
    ref: string,
    change: NodeChange,
    audit: AuditContext,
  ): Promise<NodeRow> {
    const parsed = parseRef(ref);
    if (Object.values(change).every((v) => v === undefined)) {
      throw new UnprocessableEntityException(
        'Send at least one of hostname, management_address, vars',
      );
    }
    const spec = { deploymentId, lock: DeploymentRowLock.KEY_SHARE, audit };
    return this.changes.change(spec, async ({ q, record }) => {
      const node = await this.nodeOf(q, deploymentId, parsed);
      const to = {
        hostname: change.hostname ?? node.hostname,
        ip_address:
          change.management_address === undefined
            ? node.ip_address
            : canonicalAddress(change.management_address),
        vars: change.vars === undefined ? node.vars : change.vars,
      };
      const others = (await this.nodes.identities(q, deploymentId)).filter(
        (t) => t.node_id !== node.node_id,
      );
      const holder = (pick: (t: (typeof others)[number]) => string | null, value: string | null) =>
        value === null ? undefined : others.find((t) => pick(t) === value)?.node_id;
      const problems = [
        ['hostname', to.hostname, holder((t) => t.hostname, to.hostname)],
        [
          'management_address',
          to.ip_address,
          holder((t) => t.ip_address && canonicalAddress(t.ip_address), to.ip_address),
        ],
      ]
        .filter(([, , owner]) => owner !== undefined)
        .map(([field, value, owner]) => `${field} ${JSON.stringify(value)} is already ${owner}'s`);
      if (problems.length > 0) throw new UnprocessableEntityException(problems.join('; '));
      const after = await this.nodes.setIdentity(q, node.id, to);
      if (!after) throw new NotFoundException(`Node ${node.node_id} not found`);
      // The event names the fields the request changed, before and after.
      const names = { hostname: 'hostname', ip_address: 'management_address', vars: 'vars' };
      const shown = (n: typeof to) =>
        Object.fromEntries(
          (Object.keys(names) as (keyof typeof names)[])
            .filter((k) => change[names[k] as keyof NodeChange] !== undefined)
            .map((k) => [names[k], n[k]]),
        );
      await record({
        type: EventType.NODE_UPDATED,
        nodeId: node.id,
        nodeIdentifier: node.node_id,
        metadata: { before: shown(node), after: shown(to) },
      });
      return after;
    });
  }

  /**
   * Decommissions a node: the row goes (after any worker batch or telemetry write in flight for
   * the deployment; later ones no longer see it), its samples go, target_node_count follows and
   * a NODE_DELETED event keeps the record.
   */
  async remove(deploymentId: number, ref: string, audit: AuditContext): Promise<void> {
    const parsed = parseRef(ref);
    // Same order as a deployment delete: the row first, so telemetry writers and lifecycle
    // batches (KEY SHARE on it before their node work) are never waited on while they wait on us.
    const spec = { deploymentId, lock: DeploymentRowLock.UPDATE, audit };
    await this.changes.change(spec, async ({ q, record }) => {
      const node = await this.nodeOf(q, deploymentId, parsed);
      const state = await this.nodes.delete(q, node.id);
      if (state === null) throw new NotFoundException(`Node ${node.node_id} not found`);
      await this.telemetry.deleteSamples(q, { deploymentId, nodeId: node.id });
      const links = await this.links.deleteForNode(q, node.id);
      const before = await this.deployments.nodeRemoved(q, deploymentId, node.role);
      await record({
        type: EventType.NODE_DELETED,
        nodeId: node.id,
        nodeIdentifier: node.node_id,
        fromState: state,
        metadata: {
          before: NodeResponse.from({ ...node, state }),
          target_node_count: { before, after: Math.max(before - 1, 0) },
          ...(links > 0 ? { links_removed: links } : {}),
        },
      });
    });
  }

  /**
   * Marks a FAILED node for retry (attempt + 1, due now) and wakes its shard; the lifecycle
   * moves it to PROVISIONING. 409 for any other state and for a FAILED node already marked.
   */
  async retry(deploymentId: number, ref: string, audit: AuditContext): Promise<NodeRow> {
    const parsed = parseRef(ref);
    const spec = { deploymentId, lock: DeploymentRowLock.KEY_SHARE, audit };
    return this.changes.change(spec, async ({ q, record, afterCommit }) => {
      const found = await this.nodeOf(q, deploymentId, parsed);
      const marked = await this.nodes.markForRetry(q, found.id);
      if (marked === null) {
        const now = await this.nodes.stateOf(q, found.id);
        if (!now) throw new NotFoundException(`Node ${found.node_id} not found`);
        throw new ConflictException(
          now.state === NodeState.FAILED
            ? `Node ${found.node_id} is already marked for retry`
            : `Node ${found.node_id} is ${now.state}; only a FAILED node can be retried`,
        );
      }
      await this.deployments.unfinish(deploymentId, q);
      await record({
        type: EventType.NODE_RETRIED,
        nodeId: found.id,
        nodeIdentifier: found.node_id,
        fromState: NodeState.FAILED,
        metadata: { attempt: marked.attempt },
      });
      afterCommit(() => this.wakeUps.armWaitingNodes(deploymentId, audit.requestId));
      return marked;
    });
  }

  private async requireDeployment(deploymentId: number, q?: Queryable): Promise<void> {
    if (!(await this.deployments.exists(deploymentId, q))) {
      throw new NotFoundException('Deployment not found');
    }
  }

  /** The node `ref` names in the deployment, or 404. */
  private async nodeOf(
    q: Queryable | undefined,
    deploymentId: number,
    ref: NodeRef,
  ): Promise<NodeRow> {
    const node = await this.nodes.findByRef(q, deploymentId, ref);
    if (!node) {
      throw new NotFoundException(`Node ${describe(ref)} not found in deployment ${deploymentId}`);
    }
    return node;
  }
}

/** A node reference of a URL (`17` or `node-017`), or 422. */
function parseRef(ref: string): NodeRef {
  const parsed = parseNodeRef(ref);
  if (!parsed) {
    throw new UnprocessableEntityException(
      'node_id must be a node id such as 17 or a name such as node-017',
    );
  }
  return parsed;
}

function describe(ref: NodeRef): string {
  return ref.kind === 'id' ? String(ref.id) : nodeName(ref.seq);
}
