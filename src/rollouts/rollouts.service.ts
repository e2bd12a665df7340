import {
  ConflictException,
  Inject,
  Injectable,
  Logger,
  Optional,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AnalyticsService } from '../analytics/analytics.service';
import { AuditContext } from '../common/audit-context';
import { EventType } from '../domain/event-type';
import {
  planWaveEnds,
  RolloutStatus,
  RolloutStrategy,
  waveRange,
  waveSize,
} from '../domain/rollout';
import { WakeUpService } from '../lifecycle/wake-ups.service';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { JobName, rolloutCheckOptions } from '../queue/jobs';
import { EventsRepository } from '../store/events.repository';
import { DeploymentChangeService } from '../store/deployment-change.service';
import { DeploymentRowLock } from '../store/locks';
import { Queryable } from '../store/queryable';
import { DeploymentsRepository, RolloutColumns } from '../store/deployments.repository';
import { RolloutRow, RolloutsRepository } from '../store/rollouts.repository';
import { TelemetryRepository } from '../store/telemetry.repository';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { NodeState } from '../domain/node-state';

/** How often a gate waiting for a wave node's first sample looks again. */
const GATE_TELEMETRY_POLL_MS = 1_000;
/** Node names a halt reason lists before it says how many more there are. */
const GATE_REASON_NAMES = 20;

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

/** One figure with at most two decimals. */
const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Rollout strategies. Waves are runs of node numbers; the nodes of a wave not started yet wait
 * in PENDING with no `next_step_at`, so the workers' batches never see them. A check (a job, run
 * by any worker, serialised by the rollouts row lock) ends a wave once every node of it is
 * RUNNING or FAILED, halts on the failure budget or the telemetry gate, and starts the next wave
 * by making its nodes due: the same schedule-in-PostgreSQL design as the node lifecycle.
 */
@Injectable()
export class RolloutsService {
  private readonly logger = new Logger(RolloutsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(RolloutsRepository) private readonly rollouts: RolloutsRepository,
    @Inject(DeploymentsRepository) private readonly deployments: DeploymentsRepository,
    @Inject(EventsRepository) private readonly events: EventsRepository,
    @Inject(DeploymentChangeService) private readonly changes: DeploymentChangeService,
    @Inject(JobEnqueueService) private readonly jobs: JobEnqueueService,
    @Inject(WakeUpService) private readonly wakeUps: WakeUpService,
    @Inject(TelemetryRepository) private readonly telemetry: TelemetryRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(AnalyticsService) private readonly analytics?: AnalyticsService,
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
      canary: input.canary ?? 0,
      wave_size: input.wave_size ?? null,
      wave_percent: input.wave_percent ?? null,
      max_failure_percent: input.max_failure_percent ?? 100,
      wave_pause_seconds: input.wave_pause_seconds ?? 0,
      order: input.order ?? 'node',
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
      metadata: this.waveMetadata(waveEnds, 0),
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
      metadata: this.waveMetadata(ends, wave),
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

  // ---- Progress (worker side) ----

  /** Asks a worker to look at the rollout soon; checks close together share one job. */
  async requestCheck(deploymentId: number, delayMs = 0): Promise<void> {
    const now = Date.now();
    await this.jobs.add(
      JobName.CHECK_ROLLOUT,
      { deploymentId },
      rolloutCheckOptions(deploymentId, now + delayMs, now),
    );
  }

  /** The reconciler: every running rollout is looked at again, so a lost check stalls nothing. */
  async reconcile(): Promise<number> {
    const running = await this.rollouts.running();
    for (const id of running) await this.requestCheck(id);
    return running.length;
  }

  /**
   * Looks at one rollout under its row lock, so concurrent checks take turns and each sees what
   * the others committed: ends the current wave when all its nodes are done (or halts on the
   * failure budget), waits out the pause and soak, runs the gate, and starts the next wave.
   */
  async check(deploymentId: number): Promise<string> {
    let wakeAfterMs: number | null = null;
    let started = false;
    const outcome = await this.dataSource.transaction(async (m): Promise<string> => {
      const rollout = await this.rollouts.lock(m, deploymentId);
      if (!rollout) return 'none';
      if (rollout.status !== RolloutStatus.RUNNING) return rollout.status;
      const [from, to] = waveRange(rollout.wave_ends, rollout.wave);
      const overridden = rollout.wave <= rollout.override_wave;
      if (rollout.wave_ended_at === null) {
        const figures = await this.rollouts.admittedFigures(m, deploymentId, from, to);
        if (figures.wave_open > 0) return 'wave running';
        const failedPercent = figures.admitted > 0 ? (figures.failed * 100) / figures.admitted : 0;
        const budget = rollout.strategy.max_failure_percent;
        const metadata = {
          ...this.waveMetadata(rollout.wave_ends, rollout.wave),
          admitted: figures.admitted,
          failed: figures.failed,
          failed_percent: round2(failedPercent),
        };
        if (!overridden && failedPercent > budget) {
          const reason = `failure budget: ${figures.failed} of ${figures.admitted} admitted nodes failed (${round2(failedPercent)}%), more than max_failure_percent ${budget}%`;
          await this.halt(m, rollout, reason, metadata);
          return 'halted';
        }
        rollout.wave_ended_at = new Date();
        await this.rollouts.update(m, deploymentId, { wave_ended_at: rollout.wave_ended_at });
        await this.events.write(m, {
          deploymentId,
          type: EventType.ROLLOUT_WAVE_COMPLETED,
          metadata,
        });
      }
      const waitMs = Math.max(
        rollout.strategy.wave_pause_seconds * 1000,
        rollout.strategy.gate && !overridden ? rollout.strategy.gate.soak_seconds * 1000 : 0,
      );
      const remaining = rollout.wave_ended_at.getTime() + waitMs - Date.now();
      const last = rollout.wave + 1 >= rollout.wave_ends.length;
      if (remaining > 0 && !(last && !rollout.strategy.gate)) {
        wakeAfterMs = remaining;
        return 'waiting';
      }
      if (rollout.strategy.gate && !overridden) {
        const nodes = await this.rollouts.waveNodes(m, deploymentId, [from, to]);
        // A node that has said nothing since its wave ended is not known to be healthy: the gate
        // waits for every RUNNING node of the wave to report, and halts past the grace.
        const silent = await this.silentNodes(m, rollout, nodes);
        if (silent.length > 0) {
          const overdueInMs =
            rollout.wave_ended_at.getTime() +
            waitMs +
            this.config.gateTelemetryGraceMs -
            Date.now();
          if (overdueInMs > 0) {
            wakeAfterMs = Math.min(GATE_TELEMETRY_POLL_MS, overdueInMs);
            return 'waiting for telemetry';
          }
          const names = silent.slice(0, GATE_REASON_NAMES);
          const more =
            silent.length > names.length ? ` and ${silent.length - names.length} more` : '';
          const reason = `telemetry gate: ${silent.length} of ${to - from + 1} nodes of wave ${rollout.wave} reported no telemetry since the wave ended: ${names.join(', ')}${more}`;
          await this.halt(m, rollout, reason, {
            ...this.waveMetadata(rollout.wave_ends, rollout.wave),
            silent: names,
          });
          return 'halted';
        }
        const flagged = await this.gateFlags(rollout, nodes);
        const share = (flagged.length * 100) / Math.max(1, to - from + 1);
        if (share > rollout.strategy.gate.max_bottleneck_percent) {
          const reason = `telemetry gate: ${flagged.length} of ${to - from + 1} nodes of wave ${rollout.wave} flagged (${round2(share)}%), more than max_bottleneck_percent ${rollout.strategy.gate.max_bottleneck_percent}%: ${flagged.join(', ')}`;
          await this.halt(m, rollout, reason, {
            ...this.waveMetadata(rollout.wave_ends, rollout.wave),
            flagged,
          });
          return 'halted';
        }
      }
      if (last) {
        await this.rollouts.update(m, deploymentId, { status: RolloutStatus.COMPLETED });
        await this.events.write(m, {
          deploymentId,
          type: EventType.ROLLOUT_COMPLETED,
          metadata: { waves_total: rollout.wave_ends.length },
        });
        return 'completed';
      }
      const next = rollout.wave + 1;
      const [, nextEnd] = waveRange(rollout.wave_ends, next);
      await this.rollouts.update(m, deploymentId, {
        wave: next,
        wave_started_at: new Date(),
        wave_ended_at: null,
      });
      const released = await this.rollouts.release(m, deploymentId, nextEnd);
      await this.events.write(m, {
        deploymentId,
        type: EventType.ROLLOUT_WAVE_STARTED,
        metadata: { ...this.waveMetadata(rollout.wave_ends, next), released },
      });
      started = true;
      return `wave ${next} started`;
    });
    if (started) {
      await this.wakeUps.armWaitingNodes(deploymentId);
      // A wave whose nodes were all deleted or were already done ends at once.
      await this.requestCheck(deploymentId, 50);
    }
    if (wakeAfterMs !== null) await this.requestCheck(deploymentId, wakeAfterMs);
    return outcome;
  }

  private async halt(
    m: DataSource['manager'],
    rollout: RolloutRow,
    reason: string,
    metadata: Record<string, unknown>,
  ): Promise<void> {
    await this.rollouts.update(m, rollout.deployment_id, {
      status: RolloutStatus.HALTED,
      halted_reason: reason,
    });
    await this.events.write(m, {
      deploymentId: rollout.deployment_id,
      type: EventType.ROLLOUT_HALTED,
      reason,
      metadata,
    });
    this.logger.warn(`Rollout of deployment ${rollout.deployment_id} halted: ${reason}`);
  }

  /** The names of the wave's RUNNING nodes with no telemetry since the wave ended. */
  private async silentNodes(
    m: DataSource['manager'],
    rollout: RolloutRow,
    nodes: { id: number; node_id: string; state: string }[],
  ): Promise<string[]> {
    const running = nodes.filter((n) => n.state === NodeState.RUNNING);
    const silent = new Set(
      await this.telemetry.silentSince(
        m,
        rollout.deployment_id,
        running.map((n) => n.id),
        rollout.wave_ended_at!,
      ),
    );
    return running.filter((n) => silent.has(n.id)).map((n) => n.node_id);
  }

  /**
   * The names of the wave's nodes the bottleneck detector flags over the soak (whole minutes
   * covering it, at least one), against every RUNNING node of the deployment: method mad,
   * threshold 3.5 (a robust z of 3.5 flags a healthy node rarely, a slow one always).
   */
  private async gateFlags(
    rollout: RolloutRow,
    nodes: { id: number; node_id: string }[],
  ): Promise<string[]> {
    if (!this.analytics) throw new Error('The telemetry gate needs the analytics module');
    const soak = rollout.strategy.gate!.soak_seconds;
    const result = await this.analytics.bottlenecks(rollout.deployment_id, {
      analysis_window_minutes: Math.min(60, Math.max(1, Math.ceil(soak / 60))),
      // Robust to several slow nodes in one wave, which would hide each other under zscore; 3.5
      // is the usual bound for a modified z-score, so a healthy node with few samples passes.
      threshold: 3.5,
      method: 'mad',
      min_samples: 1,
      // Each node against its own role: spines carry more traffic than leaves by design.
      peer_group: 'role',
    });
    // In node order, so that the reason reads the same whatever the detector's ranking.
    const flagged = new Set(result.bottlenecks.map((b) => b.node_id));
    return nodes.filter((n) => flagged.has(n.id)).map((n) => n.node_id);
  }

  private waveMetadata(ends: number[], wave: number): Record<string, unknown> {
    const [first, last] = waveRange(ends, wave);
    return { wave, waves_total: ends.length, first_seq: first, last_seq: last };
  }
}
