import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { AnalyticsService } from '../analytics/analytics.service';
import { BottlenecksQuery } from '../analytics/dto/bottlenecks.query';
import { BottlenecksResponse } from '../analytics/dto/bottlenecks.response';
import { FeatureConfig } from '../config/config-slices';
import { InjectConfig } from '../config/config.module';
import { NodesRepository } from '../store/nodes.repository';
import { DeploymentsRepository } from '../store/deployments.repository';
import { Queryable } from '../store/queryable';
import { AlertRulesRepository, RuleRow } from './alert-rules.repository';
import { endAlert, stepAlert } from './alert-state';
import { AlertNotifier, StepInput, timingOf } from './alert-notifier.service';
import { AlertReceiversRepository } from './alert-receivers.repository';
import { AlertRow, AlertsRepository } from './alerts.repository';
import { atThreshold } from './detection-threshold';

/** Rules evaluated side by side within one evaluation job (each on its own connection). */
export const EVALUATION_CONCURRENCY = 2;
/** Passes one evaluation job may make when intervals went by while it ran. */
const MAX_PASSES = 4;

export interface EvaluationOutcome {
  rules: number;
  seconds: number;
  notifications: number;
  passes: number;
}

/**
 * The evaluation job. One evaluation interval: claims the enabled rules not yet evaluated in
 * it, one at a time (row lock, SKIP LOCKED, so any number of workers share them and none is
 * evaluated twice), runs the bottleneck detector of GET .../bottlenecks on the rule's window,
 * steps every alert of the rule and commits the alerts, their events and deliveries with the
 * claim. Deployment events and the retention are jobs of their own.
 */
@Injectable()
export class AlertEvaluationService {
  private running = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig('alerting') private readonly config: FeatureConfig<'alerting'>,
    private readonly rules: AlertRulesRepository,
    private readonly receivers: AlertReceiversRepository,
    private readonly alerts: AlertsRepository,
    private readonly deployments: DeploymentsRepository,
    private readonly nodes: NodesRepository,
    private readonly analytics: AnalyticsService,
    private readonly notifier: AlertNotifier,
  ) {}

  /** The evaluation interval a moment belongs to. */
  slotOf(at: number): number {
    return Math.floor(at / this.config.alertEvalIntervalMs);
  }

  /**
   * Evaluates every rule due in the current interval (one pass), and at once another pass when
   * the interval has moved on meanwhile (an overloaded machine), up to MAX_PASSES. One run per
   * process at a time: a job that comes while a run is going returns at once, since the run
   * takes its interval's rules too; parallel runs on the same cores would only slow each other.
   */
  async evaluateDue(): Promise<EvaluationOutcome> {
    const outcome: EvaluationOutcome = { rules: 0, seconds: 0, notifications: 0, passes: 0 };
    if (this.running) return outcome;
    this.running = true;
    const started = performance.now();
    try {
      let slot = this.slotOf(Date.now());
      for (let pass = 0; pass < MAX_PASSES; pass++) {
        const { rules, notifications, seconds } = await this.pass(slot);
        outcome.rules += rules;
        outcome.notifications += notifications;
        outcome.passes += 1;
        if (rules > 0) await this.rules.recordEvaluation(seconds, rules);
        const now = this.slotOf(Date.now());
        if (now === slot) break;
        slot = now;
      }
    } finally {
      this.running = false;
    }
    outcome.seconds = (performance.now() - started) / 1000;
    return outcome;
  }

  /** Every rule not yet evaluated in `slot`, EVALUATION_CONCURRENCY groups at a time. */
  private async pass(slot: number) {
    const started = performance.now();
    let rules = 0;
    let notifications = 0;
    const loop = async () => {
      for (;;) {
        const sent = await this.dataSource.transaction(async (m) => {
          const group = await this.rules.claimGroup(m, slot);
          if (group.length === 0) return null;
          const ids = await this.evaluateGroup(m, group);
          for (const rule of group) await this.rules.markEvaluated(m, rule.id, slot);
          rules += group.length;
          return ids;
        });
        if (sent === null) return;
        notifications += sent.length;
        await this.notifier.enqueue(sent);
      }
    };
    await Promise.all(Array.from({ length: EVALUATION_CONCURRENCY }, loop));
    return { rules, notifications, seconds: (performance.now() - started) / 1000 };
  }

  /** The detector once for rules sharing deployment, method, window, min_samples and peer group. */
  private async detect(rules: RuleRow[]): Promise<BottlenecksResponse | null> {
    const q = Object.assign(new BottlenecksQuery(), {
      analysis_window_minutes: rules[0].window_minutes,
      threshold: Math.min(...rules.map((r) => r.threshold)),
      method: rules[0].method,
      min_samples: rules[0].min_samples,
      peer_group: rules[0].peer_group,
    });
    try {
      return await this.analytics.bottlenecks(rules[0].deployment_id, q);
    } catch (error) {
      if (error instanceof NotFoundException) return null;
      throw error;
    }
  }

  /**
   * Rules that share a detection: it runs once at the lowest threshold, and each rule keeps the
   * nodes whose z reaches its own threshold (z and the score do not depend on the threshold),
   * so every rule sees what GET .../bottlenecks returns with its threshold.
   */
  async evaluateGroup(m: Queryable, rules: RuleRow[]): Promise<string[]> {
    const result = await this.detect(rules);
    const ids: string[] = [];
    for (const rule of rules)
      ids.push(...(await this.evaluateRule(m, rule, atThreshold(result, rule.threshold))));
    return ids;
  }

  /** One rule: the ids of the deliveries its changes created. */
  async evaluateRule(
    m: Queryable,
    rule: RuleRow,
    result: BottlenecksResponse | null,
  ): Promise<string[]> {
    const now = new Date();
    const open = await this.alerts.openAlerts(m, rule.id);
    const receivers = await this.receivers.ruleReceivers(m, rule.id);
    const deployment = result ? await this.deployments.find(rule.deployment_id, m) : null;
    const ctx = { rule, deploymentName: deployment?.name ?? String(rule.deployment_id), receivers };
    const steps: StepInput[] = [];

    if (result === null || deployment === null) {
      // The deployment is gone: its alerts resolve and the rule goes with it.
      for (const prev of open) {
        steps.push({ nodeId: prev.node_id, prev, step: endAlert(timingOf(prev), now), seen: null });
      }
      const toSend = await this.notifier.writeSteps(m, ctx, steps);
      await this.rules.deleteRule(m, rule.id);
      return toSend;
    }
    const byNode = new Map(open.map((a) => [a.node_id, a]));
    const flagged = new Set<number>();
    for (const b of result.bottlenecks) {
      flagged.add(b.node_id);
      const prev = byNode.get(b.node_id) ?? null;
      steps.push({
        nodeId: b.node_id,
        prev,
        step: stepAlert(prev && timingOf(prev), true, now, timing(rule)),
        seen: {
          nodeIdentifier: b.node_identifier,
          deviationScore: b.deviation_score,
          metrics: b.metrics as unknown as AlertRow['metrics'],
        },
      });
    }
    const quiet = open.filter((a) => !flagged.has(a.node_id));
    const existing = await this.nodes.nodeNames(quiet.map((a) => a.node_id));
    for (const prev of quiet) {
      const step = existing.has(prev.node_id)
        ? stepAlert(timingOf(prev), false, now, timing(rule))
        : endAlert(timingOf(prev), now);
      steps.push({ nodeId: prev.node_id, prev, step, seen: null });
    }
    return this.notifier.writeSteps(m, ctx, steps);
  }
}

function timing(rule: RuleRow) {
  return { forSeconds: rule.for_seconds, keepFiringForSeconds: rule.keep_firing_for_seconds };
}
