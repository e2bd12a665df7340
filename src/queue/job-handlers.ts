import { JOB_QUEUE, JobName, QueueName } from './jobs';

/** What one processor takes: its queue and the job names its `process` switch handles. */
export interface JobHandlers {
  processor: string;
  queue: QueueName;
  jobs: readonly JobName[];
}

/**
 * Every job name must have exactly one processor, on the queue that carries it; a worker that
 * would leave jobs unprocessed (or race two handlers) refuses to start, naming what is wrong.
 */
export function checkJobHandlers(handlers: readonly JobHandlers[]): void {
  const problems: string[] = [];
  for (const name of Object.values(JobName)) {
    const owners = handlers.filter((h) => h.jobs.includes(name));
    if (owners.length === 0) problems.push(`${name} has no processor`);
    if (owners.length > 1) {
      problems.push(
        `${name} has ${owners.length} processors (${owners.map((o) => o.processor).join(', ')})`,
      );
    }
    for (const owner of owners) {
      if (owner.queue !== JOB_QUEUE[name]) {
        problems.push(
          `${name} travels on ${JOB_QUEUE[name]} but ${owner.processor} listens on ${owner.queue}`,
        );
      }
    }
  }
  if (problems.length > 0) throw new Error(`Job handlers are inconsistent: ${problems.join('; ')}`);
}
