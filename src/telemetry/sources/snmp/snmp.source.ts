import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pLimit from 'p-limit';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { EventType } from '../../../domain/event-type';
import { EventsRepository } from '../../../store/events.repository';
import { LockService } from '../../../store/locks';
import { Queryable } from '../../../store/queryable';
import { TelemetryRepository } from '../../../store/telemetry.repository';
import { TELEMETRY_SHARD_SIZE } from '../../telemetry.constants';
import { TelemetryStorageService } from '../../telemetry-storage.service';
import { SnmpSourceConfig, TelemetrySourceName } from '../telemetry-config';
import { ShardCollection, TelemetrySource, TelemetrySourceRegistry } from '../telemetry-source';
import { intervalSample, selectInterfaces, stateOf } from './snmp-counters';
import { SnmpCredentials } from './snmp-credentials';
import { pollAgent, PollResult, SnmpCredential, SnmpPollError } from './snmp-poller';
import { PolledNode, SnmpStateRepository, TelemetryStatus } from './snmp-state.repository';
import { snmpMetrics } from './snmp.metrics';

type Polled = { node: PolledNode; result: PollResult } | { node: PolledNode; failure: string };

/**
 * Polls each RUNNING node of a shard over SNMP (at most SNMP_MAX_CONCURRENT polls per worker
 * process), then stores in one transaction: a sample per node whose interval could be measured,
 * the counters for the next poll, and each node's telemetry_status with an event per change.
 */
@Injectable()
export class SnmpSource implements TelemetrySource {
  readonly name = TelemetrySourceName.SNMP;
  private readonly logger = new Logger(SnmpSource.name);
  private readonly limit: pLimit.Limit;

  constructor(
    registry: TelemetrySourceRegistry,
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly storage: TelemetryStorageService,
    private readonly samples: TelemetryRepository,
    private readonly events: EventsRepository,
    private readonly locks: LockService,
    private readonly state: SnmpStateRepository,
    private readonly credentials: SnmpCredentials,
  ) {
    this.limit = pLimit(config.snmpMaxConcurrent);
    registry.register(this);
  }

  async collectShard({ deploymentId, shard, tickAt, telemetry }: ShardCollection): Promise<number> {
    const settings = telemetry.snmp;
    if (!settings) return 0;
    const from = shard * TELEMETRY_SHARD_SIZE + 1;
    const to = (shard + 1) * TELEMETRY_SHARD_SIZE;
    const nodes = await this.state.runningNodes(this.dataSource, deploymentId, from, to);
    if (nodes.length === 0) return 0;
    let credential: SnmpCredential;
    try {
      credential = await this.credentials.resolve(settings.credential);
    } catch (error) {
      // The message names the credential by id, never a secret.
      this.logger.warn(`Deployment ${deploymentId}: ${(error as Error).message}; no SNMP poll`);
      snmpMetrics.polls.inc({ outcome: 'no_credential' }, nodes.length);
      return 0;
    }
    const polled = await Promise.all(
      nodes.map((node) => this.limit(() => this.poll(node, settings, credential))),
    );
    return this.storage.transaction((m) =>
      this.store(m, deploymentId, shard, tickAt, settings, polled),
    );
  }

  private async poll(
    node: PolledNode,
    settings: SnmpSourceConfig,
    credential: SnmpCredential,
  ): Promise<Polled> {
    if (!node.address) return { node, failure: 'no management address' };
    try {
      const target = {
        address: node.address,
        port: settings.port,
        timeoutMs: settings.timeout_ms,
        retries: settings.retries,
      };
      return { node, result: await pollAgent(target, credential) };
    } catch (error) {
      const failure =
        error instanceof SnmpPollError && error.unreachable
          ? `no answer after ${settings.retries + 1} tries`
          : (error as Error).message;
      return { node, failure };
    }
  }

  private async store(
    m: Queryable,
    deploymentId: number,
    shard: number,
    tickAt: number,
    settings: SnmpSourceConfig,
    polled: Polled[],
  ): Promise<number> {
    // Held until commit, as every telemetry writer does: a delete waits for this batch.
    if (!(await this.locks.keyShare(m, deploymentId))) return 0;
    const at = new Date(tickAt);
    if (!(await this.samples.claimShardTick(m, deploymentId, shard, at, polled.length))) return 0;
    const from = shard * TELEMETRY_SHARD_SIZE + 1;
    const running = new Set(
      (await this.state.runningNodes(m, deploymentId, from, from + TELEMETRY_SHARD_SIZE - 1)).map(
        (n) => n.id,
      ),
    );
    const current = polled.filter((p) => running.has(p.node.id));
    const answered = current.filter(
      (p): p is Extract<Polled, { result: PollResult }> => 'result' in p,
    );
    const previous = await this.state.states(
      m,
      answered.map((p) => p.node.id),
    );
    const pattern = settings.interfaces === null ? null : new RegExp(settings.interfaces);
    const ids: number[] = [];
    const latency: number[] = [];
    const throughput: number[] = [];
    const errorRate: (number | null)[] = [];
    for (const { node, result } of answered) {
      const outcome = intervalSample(
        previous.get(node.id) ?? null,
        result,
        selectInterfaces(result.interfaces, pattern),
      );
      snmpMetrics.polls.inc({ outcome: outcome.kind === 'dropped' ? 'dropped' : outcome.kind });
      if (outcome.kind === 'dropped') {
        this.logger.log(`Node ${node.node_id}: interval dropped (${outcome.reason})`);
      }
      if (outcome.kind !== 'sample') continue;
      ids.push(node.id);
      latency.push(result.rttMs);
      throughput.push(outcome.throughputGbps);
      errorRate.push(outcome.errorRate);
    }
    snmpMetrics.polls.inc({ outcome: 'unreachable' }, current.length - answered.length);
    await this.state.saveStates(
      m,
      answered.map((p) => p.node.id),
      answered.map((p) => stateOf(p.result)),
      at,
    );
    const failures = new Map<number, string>();
    for (const p of current) if ('failure' in p) failures.set(p.node.id, p.failure);
    await this.recordStatus(
      m,
      deploymentId,
      answered.map((p) => p.node.id),
      'ok',
      failures,
    );
    await this.recordStatus(m, deploymentId, [...failures.keys()], 'unreachable', failures);
    // Samples may lack error_rate (no packet passed): the storage path takes nulls.
    return this.samples.write(m, deploymentId, {
      nodeIds: ids,
      timestamps: at,
      latency,
      throughput,
      errorRate: errorRate as number[],
    });
  }

  /** Sets the nodes' status; one NODE_UNREACHABLE or NODE_REACHABLE event per node that changed. */
  private async recordStatus(
    m: Queryable,
    deploymentId: number,
    nodeIds: number[],
    status: TelemetryStatus,
    failures: Map<number, string>,
  ): Promise<void> {
    const changed = await this.state.setStatus(m, nodeIds, status);
    // Unknown -> ok is a node's first answer, not a recovery: only a change from or to
    // unreachable is told.
    const told = changed.filter((c) => status === 'unreachable' || c.before === 'unreachable');
    if (told.length === 0) return;
    await this.events.writeMany(
      m,
      told.map((c) => ({
        deploymentId,
        type: status === 'ok' ? EventType.NODE_REACHABLE : EventType.NODE_UNREACHABLE,
        nodeId: c.id,
        nodeIdentifier: c.node_id,
        reason: status === 'ok' ? 'answered SNMP again' : (failures.get(c.id) ?? null),
        metadata: { source: 'snmp', before: c.before, after: status },
      })),
    );
  }
}
