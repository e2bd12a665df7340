import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GenerateSql } from '../../database/generate-sql';
import { DeploymentTelemetry } from './telemetry-config';

/** Reads the deployments' telemetry blocks for the scheduled collection. */
@Injectable()
export class TelemetrySourcesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Every deployment that set a telemetry block (the others use the simulator every tick). */
  @GenerateSql()
  async configured(): Promise<Map<number, DeploymentTelemetry>> {
    const rows: { id: number; telemetry: DeploymentTelemetry }[] = await this.dataSource.query(
      `SELECT id, telemetry FROM deployments WHERE telemetry IS NOT NULL`,
    );
    return new Map(rows.map((r) => [r.id, r.telemetry]));
  }

  /** One deployment's block; null when it never set one or is gone. */
  @GenerateSql({ params: [1] })
  async of(deploymentId: number): Promise<DeploymentTelemetry | null> {
    const rows: { telemetry: DeploymentTelemetry | null }[] = await this.dataSource.query(
      `SELECT telemetry FROM deployments WHERE id = $1`,
      [deploymentId],
    );
    return rows[0]?.telemetry ?? null;
  }
}
