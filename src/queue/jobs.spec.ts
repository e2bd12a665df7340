import { loadConfig } from '../config/app-config';
import {
  JOB_QUEUE,
  jobOptions,
  JobName,
  payloadProblem,
  QueueName,
  recurringJobs,
  ROLLOUT_CHECK_COALESCE_MS,
  rolloutCheckOptions,
} from './jobs';

describe('rolloutCheckOptions', () => {
  const slotStart = 1_700_000_000_000;

  it('gives requests of one slot one job id, run once the slot is over', () => {
    const first = rolloutCheckOptions(7, slotStart + 10, slotStart + 10);
    const last = rolloutCheckOptions(7, slotStart + 99, slotStart + 99);
    expect(first.jobId).toBe(last.jobId);
    expect(first.delay).toBe(ROLLOUT_CHECK_COALESCE_MS - 10);
    expect(last.delay).toBe(1);
    // Whenever it was asked for, the job starts at the end of its slot.
    expect(slotStart + 10 + first.delay).toBe(slotStart + ROLLOUT_CHECK_COALESCE_MS);
    expect(slotStart + 99 + last.delay).toBe(slotStart + ROLLOUT_CHECK_COALESCE_MS);
  });

  it('starts a new job in the next slot and keeps deployments apart', () => {
    const a = rolloutCheckOptions(7, slotStart, slotStart);
    expect(rolloutCheckOptions(7, slotStart + ROLLOUT_CHECK_COALESCE_MS, slotStart).jobId).not.toBe(
      a.jobId,
    );
    expect(rolloutCheckOptions(8, slotStart, slotStart).jobId).not.toBe(a.jobId);
  });

  it('waits for a check asked for later until the end of that later slot', () => {
    const later = rolloutCheckOptions(7, slotStart + 5_050, slotStart);
    expect(later.delay).toBe(5_100);
    expect(later.removeOnComplete).toBe(true);
  });
});

describe('the job table', () => {
  const config = loadConfig({ TELEMETRY_INTERVAL_MS: '2500', ALERT_EVAL_INTERVAL_MS: '30000' });

  it('gives every recurring job its period, from the configuration where a variable sets it', () => {
    expect(Object.fromEntries(recurringJobs(config).map((j) => [j.name, j.everyMs]))).toEqual({
      [JobName.RECONCILE_LIFECYCLE]: 5000,
      [JobName.TELEMETRY_TICK]: 2500,
      [JobName.MAINTAIN_PARTITIONS]: 3_600_000,
      [JobName.FOLD_PREFIX_SUMS]: 10_000,
      [JobName.RECONCILE_ROLLOUTS]: 5000,
      [JobName.EVALUATE_ALERTS]: 30_000,
      [JobName.RUN_ALERT_OUTBOX]: 30_000,
      [JobName.PRUNE_ALERTS]: 20_000,
      [JobName.PRUNE_EVENTS]: 15 * 60_000,
      [JobName.SWEEP_DRIVER_RUNS]: 2000,
    });
  });

  it('routes every job to a queue', () => {
    for (const name of Object.values(JobName)) {
      expect(Object.values(QueueName)).toContain(JOB_QUEUE[name]);
    }
    expect(JOB_QUEUE[JobName.PRUNE_EVENTS]).toBe(QueueName.MAINTENANCE);
  });

  it('retries recurring iterations a few times and added jobs longer', () => {
    expect(jobOptions(JobName.TELEMETRY_TICK)).toMatchObject({ attempts: 3 });
    expect(jobOptions(JobName.CHECK_ROLLOUT)).toMatchObject({
      attempts: 8,
      removeOnComplete: true,
    });
    expect(jobOptions(JobName.ADVANCE_SHARD)).toMatchObject({ removeOnComplete: true });
  });

  it.each([
    [JobName.CHECK_ROLLOUT, { deploymentId: 0 }, 'deploymentId must be a positive integer'],
    [JobName.DELIVER_NOTIFICATION, { deliveryId: 'x' }, 'deliveryId must be a uuid'],
    [JobName.TELEMETRY_TICK, [], 'the payload must be an object'],
    [JobName.TELEMETRY_TICK, {}, null],
  ])('checks a %s payload', (name, data, problem) => {
    expect(payloadProblem(name, data)).toBe(problem);
  });
});
