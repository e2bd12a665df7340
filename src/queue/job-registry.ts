import { Job, UnrecoverableError } from 'bullmq';
import { JOB_QUEUE, JobName, JobPayload, JobsOn, payloadProblem, QueueName } from './jobs';

/** What runs one job: its validated payload in, the job's return value out. */
export type JobHandler<N extends JobName> = (payload: JobPayload<N>, job: Job) => Promise<unknown>;

/** One handler for every job its queue carries: the compiler rejects a missing or foreign name. */
export type QueueHandlers<Q extends QueueName> = { [N in JobsOn<Q>]: JobHandler<N> };

interface Registration {
  owner: string;
  queue: QueueName;
  handler: JobHandler<JobName>;
}

/**
 * The jobs this worker process can run: each processor registers its handlers here when it is
 * built, and its `process` dispatches through the registry. The registration is the handler, so
 * the list of what is handled cannot drift from the code; `verify` refuses a process in which a
 * job has no handler, two handlers, or a handler listening on the wrong queue. Plain TypeScript
 * (the queue module provides it), so its unit test needs no Nest.
 */
export class JobRegistry {
  private readonly registrations = new Map<JobName, Registration[]>();

  register<Q extends QueueName>(owner: string, queue: Q, handlers: QueueHandlers<Q>): void {
    for (const [name, handler] of Object.entries(handlers) as [JobName, JobHandler<JobName>][]) {
      const list = this.registrations.get(name) ?? [];
      list.push({ owner, queue, handler });
      this.registrations.set(name, list);
    }
  }

  /** Whether this process runs the job (an API-only process runs none). */
  handles(name: JobName): boolean {
    return this.registrations.has(name);
  }

  /** Throws, naming every problem, unless each job has exactly one handler on its own queue. */
  verify(): void {
    const problems: string[] = [];
    for (const name of Object.values(JobName)) {
      const owners = this.registrations.get(name) ?? [];
      if (owners.length === 0) problems.push(`${name} has no handler`);
      if (owners.length > 1) {
        problems.push(
          `${name} has ${owners.length} handlers (${owners.map((o) => o.owner).join(', ')})`,
        );
      }
      for (const owner of owners) {
        if (owner.queue !== JOB_QUEUE[name]) {
          problems.push(
            `${name} travels on ${JOB_QUEUE[name]} but ${owner.owner} listens on ${owner.queue}`,
          );
        }
      }
    }
    if (problems.length > 0)
      throw new Error(`Job handlers are inconsistent: ${problems.join('; ')}`);
  }

  /**
   * Runs a job taken from `queue`: a name without a handler there, or a payload that does not
   * fit its job, fails at once without retries.
   */
  async dispatch(queue: QueueName, job: Job): Promise<unknown> {
    const name = job.name as JobName;
    const registration = this.registrations.get(name)?.find((r) => r.queue === queue);
    if (!registration) {
      throw new UnrecoverableError(`The ${queue} queue has no handler for job ${job.name}`);
    }
    const problem = payloadProblem(name, job.data);
    if (problem !== null) {
      throw new UnrecoverableError(
        `Malformed ${job.name} payload ${JSON.stringify(job.data)}: ${problem}`,
      );
    }
    return registration.handler(job.data as JobPayload<JobName>, job);
  }
}
