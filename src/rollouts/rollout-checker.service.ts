import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AnalyticsService } from '../analytics/analytics.service';
import { FeatureConfig } from '../config/config-slices';
import { InjectConfig } from '../config/config.module';
import { EventType } from '../domain/event-type';
import { NodeState } from '../domain/node-state';
import { RolloutStatus, waveRange } from '../domain/rollout';
import { WakeUpService } from '../lifecycle/wake-ups.service';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { EventsRepository } from '../store/events.repository';
import { RolloutRow, RolloutsRepository } from '../store/rollouts.repository';
import { TelemetryRepository } from '../store/telemetry.repository';
import { requestRolloutCheck } from './rollout-check-request';
import { decideRollout, RolloutFacts } from './rollout-decision';

type Manager = DataSource['manager'];
type WaveNode = { id: number; node_id: string; state: string };

/**
 * The workers' side of rollout strategies. Waves are runs of node numbers; the nodes of a wave
 * not started yet wait in PENDING with no `next_step_at`, so the workers' batches never see
 * them. A check (a job, run by any worker, serialised by the rollouts row lock) reads what
 * `decideRollout` asks for and does what it says: end a wave, halt on the failure budget or the
 * telemetry gate, or start the next wave by making its nodes due, the same
 * schedule-in-PostgreSQL design as the node lifecycle.
 */
@Injectable()
export class RolloutCheckerService {
  private readonly logger = new Logger(RolloutCheckerService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(RolloutsRepository) private readonly rollouts: RolloutsRepository,
    @Inject(EventsRepository) private readonly events: EventsRepository,
    @Inject(JobEnqueueService) private readonly jobs: JobEnqueueService,
    @Inject(WakeUpService) private readonly wakeUps: WakeUpService,
    @Inject(TelemetryRepository) private readonly telemetry: TelemetryRepository,
    @Inject(AnalyticsService) private readonly analytics: AnalyticsService,
    @InjectConfig('rollouts') private readonly config: FeatureConfig<'rollouts'>,
  ) {}

  /** The reconciler: every running rollout is looked at again, so a lost check stalls nothing. */
  async reconcile(): Promise<number> {
    const running = await this.rollouts.running();
    for (const id of running) await requestRolloutCheck(this.jobs, id);
    return running.length;
  }

  /**
   * Looks at one rollout under its row lock, so concurrent checks take turns and each sees what
   * the others committed; says what it did.
   */
  async check(deploymentId: number): Promise<string> {
    let wakeAfterMs: number | null = null;
    let started = false;
    const outcome = await this.dataSource.transaction(async (m): Promise<string> => {
      const rollout = await this.rollouts.lock(m, deploymentId);
      if (!rollout) return 'none';
      const [from, to] = waveRange(rollout.wave_ends, rollout.wave);
      const facts: RolloutFacts = {
        status: rollout.status,
        strategy: rollout.strategy,
        wave: rollout.wave,
        waveEnds: rollout.wave_ends,
        overrideWave: rollout.override_wave,
        waveEndedAtMs: rollout.wave_ended_at?.getTime() ?? null,
        telemetryGraceMs: this.config.gateTelemetryGraceMs,
        nowMs: 0,
      };
      let nodes: WaveNode[] | null = null;
      const waveNodes = async () =>
        (nodes ??= await this.rollouts.waveNodes(m, deploymentId, [from, to]));
      for (;;) {
        const step = decideRollout({ ...facts, nowMs: Date.now() });
        switch (step.kind) {
          case 'inactive':
            return rollout.status;
          case 'read-figures':
            facts.figures = await this.rollouts.admittedFigures(m, deploymentId, from, to);
            break;
          case 'wave-running':
            return 'wave running';
          case 'end-wave': {
            const endedAt = new Date();
            await this.rollouts.update(m, deploymentId, { wave_ended_at: endedAt });
            await this.events.write(m, {
              deploymentId,
              type: EventType.ROLLOUT_WAVE_COMPLETED,
              metadata: step.metadata,
            });
            facts.waveEndedAtMs = endedAt.getTime();
            break;
          }
          case 'wait':
            wakeAfterMs = step.afterMs;
            return step.forTelemetry ? 'waiting for telemetry' : 'waiting';
          case 'read-silent':
            facts.silent = await this.silentNodes(
              m,
              rollout,
              facts.waveEndedAtMs!,
              await waveNodes(),
            );
            break;
          case 'read-flagged':
            facts.flagged = await this.gateFlags(rollout, await waveNodes());
            break;
          case 'halt':
            await this.halt(m, rollout, step.reason, step.metadata);
            return 'halted';
          case 'complete':
            await this.rollouts.update(m, deploymentId, { status: RolloutStatus.COMPLETED });
            await this.events.write(m, {
              deploymentId,
              type: EventType.ROLLOUT_COMPLETED,
              metadata: step.metadata,
            });
            return 'completed';
          case 'next-wave': {
            await this.rollouts.update(m, deploymentId, {
              wave: step.wave,
              wave_started_at: new Date(),
              wave_ended_at: null,
            });
            const released = await this.rollouts.release(m, deploymentId, step.lastSeq);
            await this.events.write(m, {
              deploymentId,
              type: EventType.ROLLOUT_WAVE_STARTED,
              metadata: { ...step.metadata, released },
            });
            started = true;
            return `wave ${step.wave} started`;
          }
        }
      }
    });
    if (started) {
      await this.wakeUps.armWaitingNodes(deploymentId);
      // A wave whose nodes were all deleted or were already done ends at once.
      await requestRolloutCheck(this.jobs, deploymentId, 50);
    }
    if (wakeAfterMs !== null) await requestRolloutCheck(this.jobs, deploymentId, wakeAfterMs);
    return outcome;
  }

  private async halt(
    m: Manager,
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
    m: Manager,
    rollout: RolloutRow,
    waveEndedAtMs: number,
    nodes: WaveNode[],
  ): Promise<string[]> {
    const running = nodes.filter((n) => n.state === NodeState.RUNNING);
    const silent = new Set(
      await this.telemetry.silentSince(
        m,
        rollout.deployment_id,
        running.map((n) => n.id),
        new Date(waveEndedAtMs),
      ),
    );
    return running.filter((n) => silent.has(n.id)).map((n) => n.node_id);
  }

  /**
   * The names of the wave's nodes the bottleneck detector flags over the soak (whole minutes
   * covering it, at least one), against every RUNNING node of the deployment: method mad,
   * threshold 3.5 (a robust z of 3.5 flags a healthy node rarely, a slow one always).
   */
  private async gateFlags(rollout: RolloutRow, nodes: WaveNode[]): Promise<string[]> {
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
}
