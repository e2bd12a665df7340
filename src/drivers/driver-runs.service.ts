import { replaceCredentialUse } from '../credentials/credential-use';
import {
  Inject,
  Injectable,
  NotFoundException,
  UnauthorizedException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { outboundPolicy, outboundUrlCheck } from '../common/outbound-address';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { JobName } from '../queue/jobs';
import { Queryable } from '../store/queryable';
import { checkPlaybooks } from './ansible-paths';
import { DriverResultsService } from './driver-results.service';
import { DriverRunRow, DriverRunsRepository, NodeResult } from './driver-runs.repository';
import { tokenHash } from './http-driver';
import {
  credentialKinds,
  normalizeProvisioning,
  ProvisioningConfig,
  ProvisioningProblem,
  provisioningView,
} from './provisioning';

/** A driver run as the API shows it. */
export function driverRunView(run: DriverRunRow) {
  return {
    id: run.id,
    deployment_id: run.deployment_id,
    driver: run.driver,
    phase: run.phase,
    status: run.status,
    nodes: run.nodes,
    node_ids: run.node_ids,
    succeeded: run.succeeded,
    failed: run.failed,
    attempts: run.attempts,
    started_at: run.started_at.toISOString(),
    submitted_at: run.submitted_at?.toISOString() ?? null,
    deadline: run.deadline.toISOString(),
    finished_at: run.finished_at?.toISOString() ?? null,
    duration_ms: run.finished_at ? run.finished_at.getTime() - run.started_at.getTime() : null,
    output_tail: run.output_tail,
  };
}

/**
 * The API side of the drivers: a deployment's provisioning (checked, stored), its runs, the
 * endpoint's result callbacks, and the cancel of an abort.
 */
@Injectable()
export class DriverRunsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DriverRunsRepository) private readonly runs: DriverRunsRepository,
    @Inject(DriverResultsService) private readonly results: DriverResultsService,
    @Inject(JobEnqueueService) private readonly jobs: JobEnqueueService,
  ) {}

  /** The provisioning a request asks for, checked (422 naming the field), defaults filled in. */
  async check(input: unknown): Promise<ProvisioningConfig> {
    try {
      const config = normalizeProvisioning(input);
      if (config.driver === 'ansible') checkPlaybooks(this.config.ansibleProjectDir, config);
      if (config.driver === 'http') {
        for (const field of ['url', 'cancel_url'] as const) {
          const url = config[field];
          const problem =
            url &&
            (await outboundUrlCheck(url, outboundPolicy(this.config), {
              field: `provisioning.${field}`,
            }));
          if (problem) throw new ProvisioningProblem(problem);
        }
      }
      return config;
    } catch (error) {
      if (error instanceof ProvisioningProblem) {
        throw new UnprocessableEntityException(error.message);
      }
      throw error;
    }
  }

  /** Stores the provisioning of the deployment's nodes admitted from now on (in the change's transaction). */
  async set(q: Queryable, deploymentId: number, config: ProvisioningConfig): Promise<void> {
    await this.runs.setProvisioning(q, deploymentId, config);
    // The credential of the driver, kept in use (a 422 for a missing one or of the wrong kind).
    const credential = config.driver === 'simulator' ? undefined : config.credential;
    await replaceCredentialUse(
      q,
      deploymentId,
      'driver',
      credential ?? null,
      credentialKinds(config),
      'provisioning.credential',
    );
  }

  async view(q: Queryable, deploymentId: number): Promise<Record<string, unknown>> {
    return provisioningView(await this.runs.provisioningOf(q, deploymentId));
  }

  async page(deploymentId: number, skip: number, limit: number) {
    const { rows, total } = await this.runs.page(deploymentId, skip, limit);
    return { items: rows.map(driverRunView), total, skip, limit };
  }

  async one(runId: string) {
    const run = await this.runs.get(runId);
    if (!run) throw new NotFoundException('Driver run not found');
    return driverRunView(run);
  }

  /**
   * An endpoint's results: 404 for an unknown run, 401 unless the bearer token is the run's
   * (compared in constant time, by hash), 422 for a node not in the run. The first result of a
   * node wins; duplicates and results after the deadline or the run's end are ignored.
   */
  async report(
    runId: string,
    authorization: string | undefined,
    results: NodeResult[],
  ): Promise<{ accepted: number; ignored: number }> {
    const run = await this.runs.get(runId);
    if (!run) throw new NotFoundException('Driver run not found');
    const token = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    const expected = run.callback_token_hash;
    if (!token || !expected || !timingSafeEqual(tokenHash(token), expected)) {
      throw new UnauthorizedException('The callback token does not match this run');
    }
    const members = new Set(run.node_ids);
    const strangers = results
      .map((r, index) => ({ index, id: r.node_id }))
      .filter((r) => !members.has(r.id));
    if (strangers.length > 0) {
      throw new UnprocessableEntityException(
        `results name nodes not in this run: ${strangers.map((s) => `results[${s.index}].node_id ${s.id}`).join(', ')}`,
      );
    }
    const applied = await this.results.apply(runId, results);
    return { accepted: applied.moved.length, ignored: results.length - applied.moved.length };
  }

  /** Cancels the deployment's running runs: their nodes end FAILED `cancelled`. */
  async cancelRuns(deploymentId: number): Promise<number> {
    const running = await this.runs.runningOf(deploymentId);
    for (const runId of running) {
      const applied = await this.results.apply(runId, [], {
        status: 'cancelled',
        message: 'cancelled',
      });
      if (applied.run?.driver === 'http') {
        await this.jobs.add(
          JobName.CANCEL_DRIVER_RUN,
          { runId },
          { jobId: `driver-cancel-${runId}` },
        );
      }
    }
    return running.length;
  }
}
