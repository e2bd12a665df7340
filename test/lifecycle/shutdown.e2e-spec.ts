import { deleteQueuePrefix, failedJobs } from '../support/queues';
import { Service, startService } from '../support/service';
import { createDeployment } from '../support/deployments';
import { sleep } from '../support/poll';

const QUEUES = ['lifecycle', 'telemetry', 'maintenance'];

/**
 * Workers stopped while they are busy (a rolling restart, a scale-down, every test suite's
 * teardown) must leave no job failed behind them: Nest closes the queues' Redis connections and
 * the database pool side by side at shutdown, so a job still running then used to fail with
 * "Connection is closed", and a recurring job stayed failed.
 */
// Six workers are started and stopped while busy: on a loaded machine that outlasts jest's
// default time for a test.
jest.setTimeout(300_000);

describe('Stopping busy workers', () => {
  // Queues of this suite's own: its workers' schedules and unfinished ticks stay out of the
  // other suites' way.
  const prefix = `${process.env.QUEUE_PREFIX}_shutdown`;
  let api: Service;

  beforeAll(async () => {
    api = await startService({ APP_ROLE: 'api', QUEUE_PREFIX: prefix });
  });

  afterAll(async () => {
    await api?.stop();
    await deleteQueuePrefix(prefix);
  });

  it('leaves no failed job in any queue, whatever the workers were doing', async () => {
    const before = Object.fromEntries(
      await Promise.all(QUEUES.map(async (q) => [q, await failedJobs(q, prefix)] as const)),
    );
    const logs: string[] = [];
    const created: number[] = [];
    for (let round = 0; round < 6; round++) {
      const worker = await startService({
        APP_ROLE: 'worker',
        QUEUE_PREFIX: prefix,
        SIM_TIME_SCALE: '0.02',
        TELEMETRY_INTERVAL_MS: '500',
      });
      created.push((await createDeployment(api, { target_node_count: 2000 })).id);
      // Stop at a different point of the rollout and the collection each round: any point is
      // valid (the assertion is that none leaves a failed job), so this waits for no state.
      await sleep(300 + round * 400);
      await worker.stop();
      logs.push(worker.logs());
    }
    for (const q of QUEUES)
      expect({ queue: q, failed: await failedJobs(q, prefix) }).toEqual({
        queue: q,
        failed: before[q],
      });
    expect(logs.join('\n')).not.toMatch(/"level":"error"/);
    // The run's other suites share this database: leave no fleet behind for their workers.
    for (const id of created) await api.http.delete(`/deployments/${id}`).expect(204);
  });
});
