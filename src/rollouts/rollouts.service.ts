import {
  ConflictException,
  Inject,
  Injectable,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditContext } from '../common/audit-context';
import { EventType } from '../domain/event-type';
import {
  DEFAULT_STRATEGY,
  planWaveEnds,
  RolloutStatus,
  RolloutStrategy,
  waveMetadata,
  waveRange,
  waveSize,
} from '../domain/rollout';
import { WakeUpService } from '../lifecycle/wake-ups.service';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { EventsRepository } from '../store/events.repository';
import { DeploymentChangeService } from '../store/deployment-change.service';
import { DeploymentRowLock } from '../store/locks';
import { Queryable } from '../store/queryable';
import { DeploymentsRepository, RolloutColumns } from '../store/deployments.repository';
import { RolloutsRepository } from '../store/rollouts.repository';
import { NodeState } from '../domain/node-state';
import { requestRolloutCheck } from './rollout-check-request';

/** The rollout block of GET /deployments/{id}. */
export interface RolloutView {
  status: RolloutStatus;
  wave: number;
  waves_total: number;
  admitted: number;
  failed_percent: number;
  halted_reason: string | null;
  strategy: RolloutStrategy;
}

/**
 * The rollout block: `admitted` is every node that has left PENDING, read from the kept counts;
 * `failed_percent` the FAILED share of them.
 */
export function rolloutView(
  rollout: RolloutColumns,
  counts: Record<NodeState, number>,
): RolloutView {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const admitted = total - counts.PENDING;
  return {
    ...rollout,
    admitted,
    failed_percent: admitted > 0 ? Math.round((counts.FAILED * 10000) / admitted) / 100 : 0,
  };
}

type Action = 'pause' | 'resume' | 'abort';

const ALLOWED: Record<Action, RolloutStatus[]> = {
  pause: [RolloutStatus.RUNNING],
  resume: [RolloutStatus.PAUSED, RolloutStatus.HALTED],
  abort: [RolloutStatus.RUNNING, RolloutStatus.PAUSED, RolloutStatus.HALTED],
};

/**
 * Rollout strategies on the API side: the plan at create and grow, and the operator's controls.
 * The checks that move a rollout on run in the workers (rollout-checker.service.ts).
 */
@Injectable()
export class RolloutsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(RolloutsRepository) private readonly rollouts: RolloutsRepository,
    @Inject(DeploymentsRepository) private readonly deployments: DeploymentsRepository,
    @Inject(EventsRepository) private readonly events: EventsRepository,
    @Inject(DeploymentChangeService) private readonly changes: DeploymentChangeService,
    @Inject(JobEnqueueService) private readonly jobs: JobEnqueueService,
    @Inject(WakeUpService) private readonly wakeUps: WakeUpService,
  ) {}

  // ---- Planning (API side) ----

  /** The full strategy from the request's fields, or 422 naming the field. */
  normalize(input: Partial<RolloutStrategy> & { gate?: RolloutStrategy['gate'] }): RolloutStrategy {
    if (input.wave_size !== undefined && input.wave_percent !== undefined) {
      throw new UnprocessableEntityException(
        'strategy.wave_size and strategy.wave_percent cannot both be given; choose one',
      );
    }
    return {
      canary: input.canary ?? DEFAULT_STRATEGY.canary,
      wave_size: input.wave_size ?? DEFAULT_STRATEGY.wave_size,
      wave_percent: input.wave_percent ?? DEFAULT_STRATEGY.wave_percent,
      max_failure_percent: input.max_failure_percent ?? DEFAULT_STRATEGY.max_failure_percent,
      wave_pause_seconds: input.wave_pause_seconds ?? DEFAULT_STRATEGY.wave_pause_seconds,
      order: input.order ?? DEFAULT_STRATEGY.order,
      gate: input.gate
        ? {
            soak_seconds: input.gate.soak_seconds,
            max_bottleneck_percent: input.gate.max_bottleneck_percent,
          }
        : null,
    };
  }

  /**
   * The last node number of every wave of nodes fromSeq..toSeq. `segments` are the runs of node
   * numbers a wave may not span (one per role with order `role`); the canary counts only for
   * the first waves of a deployment.
   */
  plan(
    strategy: RolloutStrategy,
    nodeCount: number,
    fromSeq: number,
    toSeq: number,
    segments: { from: number; to: number }[] = [{ from: fromSeq, to: toSeq }],
  ): number[] {
    const canary = fromSeq === 1 ? strategy.canary : 0;
    return planWaveEnds(
      strategy.order === 'role' ? segments : [{ from: fromSeq, to: toSeq }],
      canary,
      waveSize(strategy, nodeCount),
    );
  }

  /** Writes the rollout of a deployment being created (in its transaction) and its first event. */
  async createIn(
    m: Queryable,
    deploymentId: number,
    strategy: RolloutStrategy,
    waveEnds: number[],
    audit: AuditContext,
  ): Promise<void> {
    await this.rollouts.insert(m, deploymentId, strategy, waveEnds);
    await this.events.write(m, {
      deploymentId,
      type: EventType.ROLLOUT_WAVE_STARTED,
      metadata: waveMetadata(waveEnds, 0),
      ...audit,
    });
  }

  /**
   * Nodes fromSeq..toSeq were added to a deployment (grow, in its transaction): a waved
   * deployment gets them as further waves at its end. Returns the last node number that is
   * due at once: toSeq without a strategy, none (fromSeq - 1) with one, unless the rollout had
   * completed, when the first new wave starts now.
   */
  async nodesAdded(
    m: Queryable,
    deploymentId: number,
    fromSeq: number,
    toSeq: number,
    nodeCount: number,
    audit: AuditContext,
  ): Promise<number> {
    const rollout = await this.rollouts.lock(m, deploymentId);
    if (!rollout) return toSeq;
    const ends = [
      ...rollout.wave_ends,
      ...this.plan(rollout.strategy, nodeCount, fromSeq, toSeq).filter((e) => e >= fromSeq),
    ];
    if (rollout.status !== RolloutStatus.COMPLETED) {
      await this.rollouts.update(m, deploymentId, { wave_ends: ends });
      return fromSeq - 1;
    }
    const wave = rollout.wave_ends.length;
    await this.rollouts.update(m, deploymentId, {
      wave_ends: ends,
      wave,
      status: RolloutStatus.RUNNING,
      wave_started_at: new Date(),
      wave_ended_at: null,
    });
    await this.events.write(m, {
      deploymentId,
      type: EventType.ROLLOUT_WAVE_STARTED,
      metadata: waveMetadata(ends, wave),
      ...audit,
    });
    return ends[wave];
  }

  // ---- Operator controls (API side) ----

  /**
   * Pause (admissions stop at once; nodes in flight finish), resume (from paused, or from
   * halted as an operator's override of the budget and gate of the waves so far) or abort
   * (nodes still PENDING are never admitted). 409 naming the status when the action does not
   * fit it; 412 when If-Match names another version of the deployment.
   */
  async act(
    deploymentId: number,
    action: Action,
    ifMatch: string | undefined,
    audit: AuditContext,
  ): Promise<RolloutView> {
    // KEY SHARE and no stronger: a row lock that conflicts with a lifecycle batch marking the
    // deployment started (NO KEY UPDATE), held while the pending nodes are held, would deadlock
    // with a batch that holds those nodes. The change lock serialises the API's changes,
    // version bumps included.
    const spec = { deploymentId, lock: DeploymentRowLock.KEY_SHARE, ifMatch, audit };
    await this.changes.change(spec, async ({ q, record, afterCommit }) => {
      const rollout = await this.rollouts.lock(q, deploymentId);
      if (!rollout) {
        throw new ConflictException(
          'This deployment has no rollout strategy: there is nothing to pause, resume or abort',
        );
      }
      if (!ALLOWED[action].includes(rollout.status)) {
        throw new ConflictException(
          `The rollout is ${rollout.status}; ${action} needs it ${ALLOWED[action].join(' or ')}`,
        );
      }
      const [, currentEnd] = waveRange(rollout.wave_ends, rollout.wave);
      if (action === 'pause' || action === 'abort') {
        const held = await this.rollouts.hold(q, deploymentId);
        const status = action === 'pause' ? RolloutStatus.PAUSED : RolloutStatus.ABORTED;
        await this.rollouts.update(q, deploymentId, { status });
        await record({
          type: action === 'pause' ? EventType.ROLLOUT_PAUSED : EventType.ROLLOUT_ABORTED,
          metadata: { wave: rollout.wave, from: rollout.status, held },
        });
        return;
      }
      await this.rollouts.update(q, deploymentId, {
        status: RolloutStatus.RUNNING,
        halted_reason: null,
        // A resume after a halt is the operator's word for the waves so far.
        override_wave:
          rollout.status === RolloutStatus.HALTED ? rollout.wave : rollout.override_wave,
      });
      const released = await this.rollouts.release(q, deploymentId, currentEnd);
      await record({
        type: EventType.ROLLOUT_RESUMED,
        metadata: {
          wave: rollout.wave,
          from: rollout.status,
          released,
          halted_reason: rollout.halted_reason,
        },
      });
      afterCommit(async () => {
        await this.wakeUps.armWaitingNodes(deploymentId, audit.requestId);
        await this.requestCheck(deploymentId);
      });
    });
    return (await this.view(deploymentId))!;
  }

  /** The rollout block of a deployment, as GET /deployments/{id} shows it. */
  async view(deploymentId: number): Promise<RolloutView | null> {
    const found = await this.deployments.detail(deploymentId);
    return found?.rollout ? rolloutView(found.rollout, found.counts) : null;
  }

  /** Asks a worker to look at the rollout soon; checks close together share one job. */
  async requestCheck(deploymentId: number, delayMs = 0): Promise<void> {
    await requestRolloutCheck(this.jobs, deploymentId, delayMs);
  }
}
