import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { postOnce } from '../alerting/notification-delivery.service';
import { OutboundPolicy, outboundPolicy, outboundUrlProblem } from '../common/outbound-address';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ResolvedOf } from '../credentials/credential-kinds';
import {
  CredentialSecrets,
  CredentialUnavailableError,
} from '../credentials/credential-secrets.service';
import { JobEnqueueService } from '../queue/job-enqueue.service';
import { JobName } from '../queue/jobs';
import { runAnsible } from './ansible-driver';
import { DriverResultsService } from './driver-results.service';
import { DriverRunRow, DriverRunsRepository } from './driver-runs.repository';
import {
  backoffMs,
  callbackToken,
  runBody,
  SEND_TIMEOUT_MS,
  SendVerdict,
  sendVerdict,
  signedHeaders,
} from './http-driver';
import { callbackBase } from './callback-url';
import { Semaphore } from './semaphore';

/** Runs never accepted by their endpoint this long after being recorded are queued again. */
const RESEND_GRACE_MS = 15_000;
/** Most runs one sweep times out or queues again. */
const SWEEP_LIMIT = 500;

/**
 * The worker side of the drivers: starts an ansible run or sends an http run (a job per run,
 * the run's row its state), times out runs past their deadline, and asks an http endpoint to
 * cancel. A run taken up again after a crash is started or sent once more; its nodes still end
 * once, as only the first result of each node is applied.
 */
@Injectable()
export class DriverExecutorService {
  private readonly logger = new Logger(DriverExecutorService.name);
  private readonly ansibleSlots: Semaphore;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DriverRunsRepository) private readonly runs: DriverRunsRepository,
    @Inject(DriverResultsService) private readonly results: DriverResultsService,
    @Inject(JobEnqueueService) private readonly jobs: JobEnqueueService,
    @Inject(CredentialSecrets) private readonly secrets: CredentialSecrets,
  ) {
    this.ansibleSlots = new Semaphore(config.ansibleMaxConcurrentRuns);
  }

  async execute(runId: string): Promise<{ status: string }> {
    const run = await this.runs.get(runId);
    if (!run || run.status !== 'running') return { status: run?.status ?? 'gone' };
    if (run.config.driver === 'ansible') return this.ansible(run);
    if (run.config.driver === 'http') return this.http(run);
    await this.results.apply(run.id, [], { status: 'failed', message: `no driver ${run.driver}` });
    return { status: 'failed' };
  }

  private async deployment(id: number): Promise<{ id: number; name: string }> {
    const rows: { id: number; name: string }[] = await this.dataSource.query(
      `SELECT id, name FROM deployments WHERE id = $1`,
      [id],
    );
    return rows[0] ?? { id, name: '' };
  }

  private async ansible(run: DriverRunRow): Promise<{ status: string }> {
    if (run.config.driver !== 'ansible') throw new Error('not an ansible run');
    const projectDir = this.config.ansibleProjectDir;
    if (!projectDir) {
      await this.results.apply(run.id, [], {
        status: 'failed',
        message: 'the ansible driver is not enabled on this worker (ANSIBLE_PROJECT_DIR)',
      });
      return { status: 'failed' };
    }
    const config = run.config;
    const login = await this.credential(run, config.credential, 'ssh');
    if (login === false) return { status: 'failed' };
    return this.ansibleSlots.run(async () => {
      if (!(await this.runs.markAttempt(run.id, null))) return { status: 'ended' };
      const outcome = await runAnsible({
        login,
        runId: run.id,
        phase: run.phase,
        deployment: await this.deployment(run.deployment_id),
        nodes: await this.runs.nodesOf(run),
        config,
        projectDir,
        playbookBin: this.config.ansiblePlaybookBin,
        deadlineMs: run.deadline.getTime(),
        cancelled: async () => !(await this.runs.stillRunning(run.id)),
      });
      await this.runs.saveOutput(run.id, outcome.outputTail);
      if (outcome.stopped === 'cancelled') return { status: 'cancelled' };
      const applied =
        outcome.stopped === 'timeout'
          ? await this.results.apply(run.id, [], { status: 'timed_out', message: 'timed out' })
          : await this.results.apply(run.id, outcome.results);
      return { status: applied.run?.status ?? 'ended' };
    });
  }

  /**
   * Sends the run until its endpoint accepts it (2xx), retrying 5xx, 408, 429 and no answer
   * with backoff until the deadline; any other answer fails every node of the run with it.
   * Each send carries a fresh callback token; only its hash is stored, before the send.
   */
  private async http(run: DriverRunRow): Promise<{ status: string }> {
    if (run.config.driver !== 'http') throw new Error('not an http run');
    if (run.submitted_at !== null) return { status: 'submitted' };
    const config = run.config;
    const signing = await this.credential(run, config.credential, 'http-secret');
    if (signing === false) return { status: 'failed' };
    const secret = signing?.secret;
    const deployment = await this.deployment(run.deployment_id);
    const nodes = await this.runs.nodesOf(run);
    const callbackUrl = `${callbackBase(this.config)}/driver-runs/${run.id}/results`;
    for (let attempt = 1; ; attempt++) {
      const { token, hash } = callbackToken();
      if (!(await this.runs.markAttempt(run.id, hash))) return { status: 'ended' };
      const body = runBody({
        runId: run.id,
        phase: run.phase,
        deployment,
        nodes,
        config,
        callbackUrl,
        callbackToken: token,
        deadline: run.deadline,
      });
      const headers = signedHeaders(run.id, body, secret, config.headers);
      const verdict = await sendOnce(config.url, body, headers, outboundPolicy(this.config));
      if (verdict.kind === 'accepted') {
        await this.runs.markSubmitted(run.id);
        return { status: 'submitted' };
      }
      if (verdict.kind === 'fail') {
        await this.results.apply(run.id, [], { status: 'failed', message: verdict.message });
        return { status: 'failed' };
      }
      const wait = backoffMs(attempt);
      if (Date.now() + wait >= run.deadline.getTime()) {
        this.logger.warn(
          `Driver run ${run.id}: no send accepted before the deadline (${verdict.why})`,
        );
        return { status: 'retrying until the deadline' };
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** Asks the http endpoint to stop a cancelled run (POST {run_id} to cancel_url, signed). */
  async cancel(runId: string): Promise<{ status: number | null }> {
    const run = await this.runs.get(runId);
    if (!run || run.config.driver !== 'http' || !run.config.cancel_url) return { status: null };
    const policy = outboundPolicy(this.config);
    if (outboundUrlProblem(run.config.cancel_url, policy)) return { status: null };
    const credential = run.config.credential;
    const signing = credential
      ? await this.secrets.resolve(credential, ['http-secret']).catch(() => undefined)
      : undefined;
    const body = JSON.stringify({ run_id: run.id, status: run.status });
    const headers = signedHeaders(run.id, body, signing?.secret, run.config.headers);
    const result = await postOnce(new URL(run.config.cancel_url), body, headers, policy);
    return { status: result.status };
  }

  /**
   * The run's credential opened (undefined without one); a credential that cannot be used fails
   * the run's nodes with why (its id and kind, never a secret), and answers false.
   */
  private async credential<K extends 'ssh' | 'http-secret'>(
    run: DriverRunRow,
    id: number | undefined,
    kind: K,
  ): Promise<ResolvedOf<K> | undefined | false> {
    if (id === undefined) return undefined;
    try {
      return await this.secrets.resolve(id, [kind]);
    } catch (error) {
      if (!(error instanceof CredentialUnavailableError)) throw error;
      await this.results.apply(run.id, [], { status: 'failed', message: error.message });
      return false;
    }
  }

  /** Times out runs past their deadline, and queues again runs whose send was lost. */
  async sweep(): Promise<{ timedOut: number; requeued: number }> {
    const overdue = await this.runs.overdue(SWEEP_LIMIT);
    for (const id of overdue) {
      await this.results.apply(id, [], { status: 'timed_out', message: 'timed out' });
    }
    const lost = await this.runs.unsubmitted(RESEND_GRACE_MS, SWEEP_LIMIT);
    // A job that is still there (waiting, running or failed for good) keeps its id: no-op.
    await this.results.queueRuns(lost);
    return { timedOut: overdue.length, requeued: lost.length };
  }

  /** Queues the cancel request of each cancelled http run. */
  async queueCancels(runIds: string[]): Promise<void> {
    for (const runId of runIds) {
      await this.jobs.add(
        JobName.CANCEL_DRIVER_RUN,
        { runId },
        { jobId: `driver-cancel-${runId}` },
      );
    }
  }
}

/** One POST of a run (refused before connecting when the url is not allowed; checked again at connect time). */
async function sendOnce(
  url: string,
  body: string,
  headers: Record<string, string>,
  policy: OutboundPolicy,
): Promise<SendVerdict> {
  const problem = outboundUrlProblem(url, policy);
  if (problem) return { kind: 'fail', message: problem };
  return sendVerdict(await postOnce(new URL(url), body, headers, policy, SEND_TIMEOUT_MS));
}
