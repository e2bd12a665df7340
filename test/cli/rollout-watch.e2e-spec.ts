import { Service, startService } from '../support/service';
import { runCli } from './run-cli';

// Fast lifecycle; the worker's failure rate decides whether a rollout completes or halts.
const worker = (failureRate: string) =>
  startService({ APP_ROLE: 'worker', SIM_TIME_SCALE: '0.02', SIM_FAILURE_RATE: failureRate });

let api: Service;
let workers: Service | undefined;
const cli = (...args: string[]) => runCli(args, { NETORCH_URL: api.url });

async function create(name: string, ...flags: string[]): Promise<string> {
  const run = await cli('deployments', 'create', '--name', name, ...flags, '-o', 'json');
  expect(run).toMatchObject({ code: 0 });
  return String(JSON.parse(run.stdout).id);
}

beforeAll(async () => {
  api = await startService({ APP_ROLE: 'api' });
});

afterAll(async () => {
  await Promise.all([api?.stop(), workers?.stop()]);
});

describe('netorch rollout watch', () => {
  it('follows a rollout in waves to completion and exits 0', async () => {
    workers = await worker('0');
    try {
      const id = await create('waves', '--nodes', '6', '--canary', '1', '--wave-size', '2');
      const watch = await cli('rollout', 'watch', id);
      expect({ code: watch.code, stderr: watch.stderr }).toMatchObject({ code: 0 });
      expect(watch.stdout).toBe(`waves (${id}): rollout completed, 6 RUNNING, 0 FAILED of 6\n`);
      // Already done: a second watch answers at once with the same outcome.
      const again = await cli('rollout', 'watch', id, '-o', 'json');
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({
        outcome: 'completed',
        deployment: { rollout: { status: 'completed', waves_total: 4 } },
      });
      // Without a strategy the deployment itself is followed until every node is RUNNING.
      const plain = await create('plain', '--nodes', '3');
      const all = await cli('rollout', 'watch', plain);
      expect(all.code).toBe(0);
      expect(all.stdout).toBe(`plain (${plain}): deployment running, 3 RUNNING, 0 FAILED of 3\n`);
    } finally {
      await workers.stop();
      workers = undefined;
    }
  });

  it('exits 1 with the reason when the rollout halts on its failure budget', async () => {
    const id = await create(
      'budget',
      '--nodes',
      '12',
      '--canary',
      '2',
      '--wave-size',
      '5',
      '--max-failure-percent',
      '20',
    );
    // The watch starts before any worker: it waits through the PENDING state.
    const watching = cli('rollout', 'watch', id);
    workers = await worker('1');
    const watch = await watching;
    expect({ code: watch.code, stderr: watch.stderr }).toMatchObject({ code: 1 });
    expect(watch.stdout).toMatch(
      new RegExp(
        `^budget \\(${id}\\): rollout halted, 0 RUNNING, [12] FAILED of 12; failure budget: [12] of 2 admitted nodes failed \\([\\d.]+%\\), more than max_failure_percent 20%\\n$`,
      ),
    );
    // An aborted rollout ends a watch with 1 as well.
    expect((await cli('rollout', 'abort', id)).code).toBe(0);
    const aborted = await cli('rollout', 'watch', id);
    expect(aborted.code).toBe(1);
    expect(aborted.stdout).toMatch(/rollout aborted/);
  });

  it('exits 1 for a deployment that does not exist', async () => {
    const watch = await cli('rollout', 'watch', '999999');
    expect(watch).toMatchObject({ code: 1, stdout: '' });
    expect(watch.stderr).toBe('netorch: 404 Not Found: Deployment not found\n');
  });
});
