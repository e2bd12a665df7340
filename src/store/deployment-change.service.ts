import { Inject, Injectable, NotFoundException, PreconditionFailedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditContext } from '../common/audit-context';
import { ifMatchSatisfied } from '../domain/etag';
import { DeploymentRow } from './deployment-row';
import { EventsRepository, NewEvent } from './events.repository';
import { DeploymentRowLock, LockService } from './locks';
import { inTransaction, Queryable } from './queryable';

/** An audit event of a change: the unit of work adds who asked and, unless given, the deployment. */
export type ChangeEvent = Omit<NewEvent, 'deploymentId' | 'requestId' | 'actor'> & {
  deploymentId?: number;
};

/** What a change works with inside its transaction. */
export interface ChangeScope<E extends ChangeEvent = ChangeEvent> {
  /** The transaction: the one handle every store method takes. */
  readonly q: Queryable;
  /** Writes an audit event of the change with who asked, at this point of the transaction. */
  record(event: E): Promise<void>;
  /** One audit row per node of a bulk change, each with its own attempt, in one statement. */
  recordPerNode(event: E, nodes: { id: number; node_id: string; attempt: number }[]): Promise<void>;
  /** Runs `step` once the change has committed (wake-ups, their removal); never on rollback. */
  afterCommit(step: () => Promise<void>): void;
}

/** The scope of a change to an existing deployment: its row, read under the change's lock. */
export interface DeploymentChangeScope extends ChangeScope {
  readonly deployment: DeploymentRow;
}

/** The scope of a create: no row exists yet, so every event names its deployment. */
export type CreateScope = ChangeScope<ChangeEvent & { deploymentId: number }>;

/** Which deployment a change is to, how it locks it, and who asked. */
export interface DeploymentChangeSpec {
  deploymentId: number;
  /** The row lock the change needs (locks.ts says which for what). */
  lock: DeploymentRowLock;
  /** The If-Match header of a change that honours it; absent, any version will do. */
  ifMatch?: string;
  audit: AuditContext;
}

/**
 * The unit of work of every API change to a deployment: one transaction that takes the locks in
 * the one order (the change lock, then the deployment row; see locks.ts), answers 404 when the
 * deployment is gone and 412 when If-Match names another version, runs the change, writes its
 * audit events with who asked so the change and its record commit together, and after the commit
 * runs the wake-ups the change asked for. A change that records no event is refused (rolled back).
 */
@Injectable()
export class DeploymentChangeService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(LockService) private readonly locks: LockService,
    @Inject(EventsRepository) private readonly events: EventsRepository,
  ) {}

  /** A change to an existing deployment (see the class). */
  change<T>(
    spec: DeploymentChangeSpec,
    work: (scope: DeploymentChangeScope) => Promise<T>,
  ): Promise<T> {
    return this.run(spec.audit, spec.deploymentId, async (scope) => {
      await this.locks.deploymentChange(scope.q, spec.deploymentId);
      const deployment = await this.locks.deploymentRow(scope.q, spec.deploymentId, spec.lock);
      if (deployment === null) throw new NotFoundException('Deployment not found');
      if (!ifMatchSatisfied(spec.ifMatch, deployment.version)) {
        throw new PreconditionFailedException(
          'If-Match does not match the current ETag; GET the deployment and try again',
        );
      }
      return work({ ...scope, deployment });
    });
  }

  /** A create: the same unit without locks, since no other change can know the new id yet. */
  create<T>(audit: AuditContext, work: (scope: CreateScope) => Promise<T>): Promise<T> {
    return this.run(audit, undefined, work);
  }

  private async run<T>(
    audit: AuditContext,
    deploymentId: number | undefined,
    work: (scope: ChangeScope) => Promise<T>,
  ): Promise<T> {
    const afterCommit: (() => Promise<void>)[] = [];
    const result = await inTransaction(this.dataSource, async (q) => {
      let recorded = 0;
      const audited = <E extends ChangeEvent>(event: E): NewEvent => {
        recorded += 1;
        return { ...event, deploymentId: (event.deploymentId ?? deploymentId)!, ...audit };
      };
      const value = await work({
        q,
        record: (event) => this.events.write(q, audited(event)),
        recordPerNode: (event, nodes) => this.events.writeNodeEvents(q, audited(event), nodes),
        afterCommit: (step) => void afterCommit.push(step),
      });
      if (recorded === 0) throw new Error('A deployment change must record its audit event');
      return value;
    });
    for (const step of afterCommit) await step();
    return result;
  }
}
