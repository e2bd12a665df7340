import { Injectable } from '@nestjs/common';
import { fillSamples, uplinkDelayMs } from '../../simulation/telemetry-generator';
import { LockService } from '../../store/locks';
import { NodesRepository } from '../../store/nodes.repository';
import { TelemetryRepository } from '../../store/telemetry.repository';
import { TELEMETRY_SHARD_SIZE } from '../telemetry.constants';
import { TelemetryStorageService } from '../telemetry-storage.service';
import { TelemetrySourceName } from './telemetry-config';
import { ShardCollection, TelemetrySource, TelemetrySourceRegistry } from './telemetry-source';

/** Generated samples, the default source: one per RUNNING node of the shard, one statement. */
@Injectable()
export class SimulatorSource implements TelemetrySource {
  readonly name = TelemetrySourceName.SIMULATOR;

  constructor(
    registry: TelemetrySourceRegistry,
    private readonly storage: TelemetryStorageService,
    private readonly samples: TelemetryRepository,
    private readonly nodes: NodesRepository,
    private readonly locks: LockService,
  ) {
    registry.register(this);
  }

  /**
   * Generates one sample per node of the shard that is RUNNING now and stores them with one
   * statement, stamped with the tick time. A second run of the same (shard, tick) writes nothing.
   */
  collectShard({ deploymentId, shard, tickAt }: ShardCollection): Promise<number> {
    const at = new Date(tickAt);
    return this.storage.transaction(async (m) => {
      // Held until commit: a delete of the deployment or of one of these nodes waits for this
      // batch and removes it, or ran before and the nodes are no longer read.
      if (!(await this.locks.keyShare(m, deploymentId))) return 0;
      const rows = await this.nodes.runningNodesOfShard(
        m,
        deploymentId,
        shard,
        TELEMETRY_SHARD_SIZE,
      );
      if (rows.length === 0) return 0;
      if (!(await this.samples.claimShardTick(m, deploymentId, shard, at, rows.length))) return 0;
      const n = rows.length;
      const ids = new Int32Array(n);
      const seqs = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        ids[i] = rows[i].id;
        seqs[i] = rows[i].seq;
      }
      const metrics = {
        latency: new Float64Array(n),
        throughput: new Float64Array(n),
        errorRate: new Float64Array(n),
      };
      if (rows[0].fabric) {
        // In a fabric, each role has its profile, and slow spines slow every leaf by their share
        // of its uplinks.
        const spines = await this.nodes.spinesOf(m, deploymentId);
        const roles = rows.map((r) => r.role);
        const delay = uplinkDelayMs(spines.running, spines.total, tickAt);
        fillSamples(ids, seqs, tickAt, metrics, roles, delay);
      } else {
        fillSamples(ids, seqs, tickAt, metrics);
      }
      return this.samples.write(m, deploymentId, { nodeIds: ids, timestamps: at, ...metrics });
    });
  }
}
