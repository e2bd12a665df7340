import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DeploymentEntity } from './deployment.entity';
import { Queryable } from './queryable';

/** Owns the deployments table: every statement that reads or writes it. */
@Injectable()
export class DeploymentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Whether the deployment exists (one primary-key probe). */
  async exists(id: number, m: Queryable = this.dataSource): Promise<boolean> {
    const rows: unknown[] = await m.query(`SELECT 1 FROM deployments WHERE id = $1`, [id]);
    return rows.length > 0;
  }

  async find(id: number): Promise<DeploymentEntity | null> {
    return this.dataSource.getRepository(DeploymentEntity).findOneBy({ id });
  }
}
