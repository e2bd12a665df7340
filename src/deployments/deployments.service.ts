import { assertBelowQuota } from '../common/quota';
import {
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { AuditContext } from '../common/audit-context';
import { FeatureConfig } from '../config/config-slices';
import { InjectConfig } from '../config/config.module';
import { deploymentStatus, progressPercent } from '../domain/deployment-status';
import { EventType } from '../domain/event-type';
import {
  MAX_LINKS,
  planFabric,
  TopologyShape,
  topologyLinkCount,
  topologyNodeCount,
} from '../domain/fabric-topology';
import { inventoryLinks, inventoryProblems, numberedInventory } from '../domain/inventory';
import { NodeRole } from '../domain/node-role';
import { NodeState } from '../domain/node-state';
import { DriverRunsService } from '../drivers/driver-runs.service';
import { provisioningView } from '../drivers/provisioning';
import { WakeUpService } from '../lifecycle/wake-ups.service';
import { rolloutView, RolloutsService } from '../rollouts/rollouts.service';
import { DeploymentChangeService } from '../store/deployment-change.service';
import { DeploymentRow } from '../store/deployment-row';
import { DeploymentsRepository, DeploymentWithCounts } from '../store/deployments.repository';
import { LinksRepository } from '../store/links.repository';
import { DeploymentRowLock } from '../store/locks';
import { NodeChangesRepository } from '../store/node-changes.repository';
import { TelemetryRepository } from '../store/telemetry.repository';
import { CreateDeploymentDto } from './dto/create-deployment.dto';
import { DeploymentDetailResponse, DeploymentResponse } from './dto/deployment.response';
import { RetryDeploymentResponse } from './dto/retry-deployment.response';
import { UpdateDeploymentDto } from './dto/update-deployment.dto';
import { TelemetrySettingsService } from '../telemetry/sources/telemetry-settings.service';

/**
 * A deployment's changes, each stated as a unit of work (DeploymentChangeService): one
 * transaction with its audit event, serialised with the API's other changes to the deployment,
 * waking the workers (or dropping their wake-ups) once it has committed.
 */
@Injectable()
export class DeploymentsService {
  private readonly logger = new Logger(DeploymentsService.name);

  constructor(
    @InjectConfig('deployments') private readonly config: FeatureConfig<'deployments'>,
    @Inject(DeploymentChangeService) private readonly changes: DeploymentChangeService,
    @Inject(DeploymentsRepository) private readonly deployments: DeploymentsRepository,
    @Inject(NodeChangesRepository) private readonly nodes: NodeChangesRepository,
    @Inject(LinksRepository) private readonly links: LinksRepository,
    @Inject(TelemetryRepository) private readonly telemetry: TelemetryRepository,
    @Inject(WakeUpService) private readonly wakeUps: WakeUpService,
    @Inject(RolloutsService) private readonly rollouts: RolloutsService,
    @Inject(DriverRunsService) private readonly drivers: DriverRunsService,
    @Inject(TelemetrySettingsService) private readonly telemetrySettings: TelemetrySettingsService,
  ) {}

  /**
   * Writes the deployment, all its nodes (one multi-row INSERT per role) and, for a fabric, its
   * links and its creation event in one transaction; every node is PENDING and due at once. Then
   * wakes the shards.
   */
  async create(dto: CreateDeploymentDto, audit: AuditContext): Promise<DeploymentRow> {
    const inventory = checkedInventory(dto);
    const shape = inventory?.shape ?? topologyOf(dto);
    const total = shape ? topologyNodeCount(shape) : dto.target_node_count!;
    if (shape && dto.target_node_count !== undefined && dto.target_node_count !== total) {
      throw new UnprocessableEntityException(
        inventory
          ? `target_node_count (${dto.target_node_count}) and nodes (${total} entries) differ; leave target_node_count out or make them equal`
          : `target_node_count (${dto.target_node_count}) and topology (${describeShape(shape)} = ${total} nodes) differ; leave target_node_count out or make them equal`,
      );
    }
    assertBelowQuota(
      await this.deployments.countDeployments(),
      this.config.maxDeployments,
      'MAX_DEPLOYMENTS',
      'deployments',
    );
    if (total > this.config.maxNodesPerDeployment) {
      throw new UnprocessableEntityException(
        inventory
          ? `nodes has ${total} entries; a deployment takes at most ${this.config.maxNodesPerDeployment} (MAX_NODES_PER_DEPLOYMENT)`
          : shape
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
    if (inventory?.links && fabric) fabric.links = inventory.links;
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
    const provisioning = dto.provisioning ? await this.drivers.check(dto.provisioning) : null;
    const telemetry = dto.telemetry ? await this.telemetrySettings.settle(dto.telemetry) : null;
    return this.changes.create(audit, async ({ q, record, afterCommit }) => {
      const created = await this.deployments.insert(q, {
        name: dto.name,
        description: dto.description ?? null,
        target_node_count: total,
        max_parallel: dto.max_parallel ?? null,
        spine_count: inventory?.flat ? null : (shape?.spines ?? null),
        leaf_count: inventory?.flat ? null : (shape?.leaves ?? null),
        border_leaf_count: inventory?.flat ? null : (shape?.borderLeaves ?? null),
        telemetry,
      });
      if (provisioning) await this.drivers.set(q, created.id, provisioning);
      if (telemetry) await this.telemetrySettings.recordCredentials(q, created.id, telemetry);
      // Under a strategy only the first wave is due; later waves wait for their turn.
      let links = 0;
      if (inventory) {
        await this.nodes.insertInventory(q, created.id, 1, inventory.nodes, dueUpTo);
        links = await this.links.insertPlanned(q, created.id, fabric!.links);
      } else if (shape) {
        for (const nodes of fabric!.nodes) {
          const dueTo = Math.min(nodes.toSeq, dueUpTo);
          await this.nodes.insertPending(q, created.id, nodes.fromSeq, nodes.toSeq, nodes, dueTo);
        }
        links = await this.links.insertPlanned(q, created.id, fabric!.links);
      } else {
        await this.nodes.insertPending(q, created.id, 1, total, undefined, dueUpTo);
      }
      await record({
        deploymentId: created.id,
        type: EventType.DEPLOYMENT_CREATED,
        metadata: {
          name: dto.name,
          target_node_count: total,
          max_parallel: dto.max_parallel ?? null,
          strategy,
          ...(inventory ? { inventory: true } : {}),
          ...(provisioning ? { provisioning: provisioningView(provisioning) } : {}),
          ...(telemetry ? { telemetry } : {}),
          ...(shape && !inventory?.flat
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
      });
      if (strategy && waveEnds) {
        await this.rollouts.createIn(q, created.id, strategy, waveEnds, audit);
      }
      afterCommit(() =>
        this.wakeUps.armNewDeployment(
          {
            id: created.id,
            nodeCount: waveEnds ? waveEnds[0] : created.target_node_count,
            maxParallel: created.max_parallel,
            createdAt: created.created_at,
          },
          audit.requestId,
        ),
      );
      return created;
    });
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
   * Renames or re-describes the deployment, or replaces its telemetry block. With If-Match the change applies only to the
   * version the client saw (412 otherwise), so two operators never overwrite each other.
   */
  async update(
    id: number,
    dto: UpdateDeploymentDto,
    ifMatch: string | undefined,
    audit: AuditContext,
  ): Promise<DeploymentRow> {
    if (
      dto.name === undefined &&
      dto.description === undefined &&
      !dto.provisioning &&
      dto.telemetry === undefined
    ) {
      throw new UnprocessableEntityException(
        'Send at least one of name, description, provisioning, telemetry',
      );
    }
    const provisioning = dto.provisioning ? await this.drivers.check(dto.provisioning) : null;
    const telemetry = dto.telemetry ? await this.telemetrySettings.settle(dto.telemetry) : null;
    const spec = { deploymentId: id, lock: DeploymentRowLock.NO_KEY_UPDATE, ifMatch, audit };
    return this.changes.change(spec, async ({ q, deployment: before, record }) => {
      const after = {
        name: dto.name ?? before.name,
        description: dto.description === undefined ? before.description : dto.description,
      };
      // Every change bumps the version once: setTelemetry does, else the rename (with the same
      // name and description when only the provisioning changes).
      const renames = dto.name !== undefined || dto.description !== undefined;
      let changed =
        renames || (provisioning && !telemetry)
          ? await this.deployments.rename(q, id, after)
          : before;
      if (provisioning) await this.drivers.set(q, id, provisioning);
      if (telemetry) {
        changed = await this.deployments.setTelemetry(q, id, telemetry);
        await this.telemetrySettings.recordCredentials(q, id, telemetry);
      }
      await record({
        type: EventType.DEPLOYMENT_UPDATED,
        metadata: {
          before: {
            name: before.name,
            description: before.description,
            ...(telemetry ? { telemetry: before.telemetry } : {}),
          },
          after: { ...after, ...(telemetry ? { telemetry } : {}) },
          ...(provisioning ? { provisioning: provisioningView(provisioning) } : {}),
          version: changed.version,
        },
      });
      return changed;
    });
  }

  /**
   * Marks every FAILED node that is not already marked for retry (attempt + 1, due now), with
   * one event per node plus one for the deployment; then wakes their shards, and the lifecycle
   * moves each back to PROVISIONING.
   */
  async retryFailed(id: number, audit: AuditContext): Promise<RetryDeploymentResponse> {
    const spec = { deploymentId: id, lock: DeploymentRowLock.KEY_SHARE, audit };
    return this.changes.change(spec, async ({ q, record, recordPerNode, afterCommit }) => {
      const retried = await this.nodes.markAllFailedForRetry(q, id);
      if (retried.length === 0) {
        throw new ConflictException(
          'No FAILED node to retry in this deployment (FAILED nodes already marked for retry are not counted)',
        );
      }
      await recordPerNode(
        { type: EventType.NODE_RETRIED, fromState: NodeState.FAILED, metadata: { bulk: true } },
        retried,
      );
      await this.deployments.unfinish(id, q);
      const nodeIds = retried.map((r) => r.id);
      await record({
        type: EventType.DEPLOYMENT_RETRIED,
        metadata: { retried: nodeIds.length, node_ids: nodeIds },
      });
      afterCommit(() => this.wakeUps.armWaitingNodes(id, audit.requestId));
      return { deployment_id: id, retried: nodeIds.length, node_ids: nodeIds };
    });
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
    const spec = { deploymentId: id, lock: DeploymentRowLock.UPDATE, ifMatch, audit };
    await this.changes.change(spec, async ({ q, deployment, record, afterCommit }) => {
      const nodes = await this.nodes.deleteAll(q, id);
      await this.links.deleteAll(q, id);
      await this.telemetry.deleteSamples(q, { deploymentId: id });
      await record({
        type: EventType.DEPLOYMENT_DELETED,
        metadata: {
          name: deployment.name,
          target_node_count: deployment.target_node_count,
          version: deployment.version,
          nodes_removed: nodes,
        },
      });
      if (!(await this.deployments.delete(q, id))) {
        throw new NotFoundException('Deployment not found');
      }
      afterCommit(async () => {
        this.logger.log(
          `Deployment ${id} deleted with ${nodes} nodes (request ${audit.requestId ?? '-'}, actor ${audit.actor ?? '-'})`,
        );
        await this.wakeUps.dropDeployment(id);
      });
    });
  }
}

/**
 * A create's inventory (nodes, links), checked across entries (422 naming every problem by
 * index), numbered spines first, with its fabric shape; null without nodes. Nodes that are all
 * leaves, without links, make a deployment without a topology (`flat`), as target_node_count.
 */
function checkedInventory(dto: CreateDeploymentDto) {
  if (!dto.nodes) {
    if (dto.links) throw new UnprocessableEntityException('links need nodes: give both');
    return null;
  }
  if (dto.topology) {
    throw new UnprocessableEntityException('give nodes or topology, not both');
  }
  const problems = inventoryProblems(dto.nodes, dto.links ?? []);
  if (problems.length > 0) throw new UnprocessableEntityException(problems.join('; '));
  const nodes = numberedInventory(dto.nodes);
  const count = (role: NodeRole) => nodes.filter((n) => (n.role ?? NodeRole.LEAF) === role).length;
  const shape: TopologyShape = {
    spines: count(NodeRole.SPINE),
    borderLeaves: count(NodeRole.BORDER_LEAF),
    leaves: count(NodeRole.LEAF),
  };
  const flat = shape.spines + shape.borderLeaves === 0 && !dto.links;
  return { nodes, shape, flat, links: dto.links ? inventoryLinks(nodes, dto.links) : null };
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
  detail.status = deploymentStatus(counts, rollout?.status ?? null);
  detail.progress_percent = progressPercent(counts);
  detail.started_at = deployment.started_at?.toISOString() ?? null;
  detail.finished_at = deployment.finished_at?.toISOString() ?? null;
  detail.rollout = rollout && rolloutView(rollout, counts);
  return detail;
}
