import { JobEnqueueService } from '../queue/job-enqueue.service';
import { JobName, rolloutCheckOptions } from '../queue/jobs';

/** Asks a worker to look at the rollout soon; checks close together share one job. */
export async function requestRolloutCheck(
  jobs: JobEnqueueService,
  deploymentId: number,
  delayMs = 0,
): Promise<void> {
  const now = Date.now();
  await jobs.add(
    JobName.CHECK_ROLLOUT,
    { deploymentId },
    rolloutCheckOptions(deploymentId, now + delayMs, now),
  );
}
