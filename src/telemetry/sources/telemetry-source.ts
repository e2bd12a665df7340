import { Injectable } from '@nestjs/common';
import { DeploymentTelemetry, TelemetrySourceName } from './telemetry-config';

/** One shard of one tick for a source to collect: its nodes are seq shard*size+1 .. (shard+1)*size. */
export interface ShardCollection {
  deploymentId: number;
  shard: number;
  tickAt: number;
  telemetry: DeploymentTelemetry;
}

/**
 * A source of scheduled samples. It collects the RUNNING nodes of one shard for one tick and
 * stores them through the telemetry storage path (TelemetryRepository.write in a storage
 * transaction, after claiming the shard's tick so that a retried job writes nothing twice).
 */
export interface TelemetrySource {
  readonly name: TelemetrySourceName;
  /** How many samples it stored. */
  collectShard(work: ShardCollection): Promise<number>;
}

/** The sources this worker can collect from; each source registers itself at start-up. */
@Injectable()
export class TelemetrySourceRegistry {
  private readonly sources = new Map<TelemetrySourceName, TelemetrySource>();

  register(source: TelemetrySource): void {
    this.sources.set(source.name, source);
  }

  get(name: TelemetrySourceName): TelemetrySource | undefined {
    return this.sources.get(name);
  }
}
