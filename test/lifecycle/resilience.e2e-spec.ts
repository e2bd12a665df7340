import { Pool } from 'pg';
import { testPool } from '../support/database';
import { Service, startService } from '../support/service';
import { createDeployment } from '../support/deployments';
import {
  assertThreeTransitionsPerNode,
  terminalCount,
  waitAllTerminal,
} from '../support/node-states';
import { pollUntil, sleep } from '../support/poll';
import { deleteQueueKeys } from '../support/queues';
import { LIFECYCLE_SHARD_SIZE } from '../../src/lifecycle/lifecycle.constants';

/** Several shards (2,000 nodes each) so that two workers really share one deployment. */
const NODES = 2.5 * LIFECYCLE_SHARD_SIZE;

describe('Lifecycle resilience', () => {
  let db: Pool;
  let api: Service;
  const workers: Service[] = [];

  beforeAll(async () => {
    db = testPool();
    api = await startService({ APP_ROLE: 'api' });
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });

  afterAll(async () => {
    await api?.stop();
    await db?.end();
  });

  const startWorker = async (scale: string) => {
    const worker = await startService({ APP_ROLE: 'worker', SIM_TIME_SCALE: scale });
    workers.push(worker);
    return worker;
  };

  it('two worker processes share a rollout without a duplicate event', async () => {
    await Promise.all([startWorker('0.02'), startWorker('0.02')]);
    await pollUntil(
      async () => (await api.http.get('/health')).body.workers,
      'health to count two workers',
      { timeoutMs: 90_000, until: (workers) => workers === 2 },
    );
    const ids = (
      await Promise.all([
        createDeployment(api, { target_node_count: NODES }),
        createDeployment(api, { target_node_count: NODES }),
      ])
    ).map((d) => d.id);
    for (const id of ids) {
      await waitAllTerminal(db, id, NODES);
      expect(await assertThreeTransitionsPerNode(db, id)).toBe(NODES);
    }
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM (
         SELECT node_id, from_state, (metadata->>'attempt') FROM events
         WHERE type = 'STATE_CHANGE' AND deployment_id = ANY($1)
         GROUP BY 1, 2, 3 HAVING count(*) > 1) d`,
      [ids],
    );
    expect(rows[0].n).toBe(0);
  });

  it('a worker SIGKILLed mid-rollout loses nothing: a fresh one finishes every node', async () => {
    const first = await startWorker('0.05');
    const id = (await createDeployment(api, { target_node_count: NODES })).id;
    await pollUntil(() => terminalCount(db, id), 'the first nodes to finish', {
      timeoutMs: 90_000,
      until: (n) => n > 0,
    });
    expect(await terminalCount(db, id)).toBeLessThan(NODES);
    await first.kill();
    workers.splice(workers.indexOf(first), 1);

    await startWorker('0.05');
    await waitAllTerminal(db, id, NODES);
    expect(await assertThreeTransitionsPerNode(db, id)).toBe(NODES);
  });

  it('a SIGTERMed worker finishes its batch and exits cleanly; the next one carries on', async () => {
    const first = await startWorker('0.05');
    const id = (await createDeployment(api, { target_node_count: NODES })).id;
    await pollUntil(() => terminalCount(db, id), 'the first nodes to finish', {
      timeoutMs: 90_000,
      until: (n) => n > 0,
    });
    await first.stop();
    workers.splice(workers.indexOf(first), 1);
    expect(first.child.signalCode ?? first.child.exitCode).toBeDefined();
    expect(first.logs()).not.toMatch(/"level":"error"/);

    await startWorker('0.05');
    await waitAllTerminal(db, id, NODES);
    expect(await assertThreeTransitionsPerNode(db, id)).toBe(NODES);
  });

  it('finishes every node when Redis loses all of the queue keys mid-rollout', async () => {
    const worker = await startWorker('0.05');
    const id = (await createDeployment(api, { target_node_count: NODES })).id;
    await pollUntil(() => terminalCount(db, id), 'the first nodes to finish', {
      timeoutMs: 90_000,
      until: (n) => n > 0,
    });
    expect(await terminalCount(db, id)).toBeLessThan(NODES);
    // Keep wiping for a while, so wake-ups the worker re-arms from batches in hand go too and
    // only the reconciler (whose own schedule is gone as well) can bring the rollout home.
    let deleted = 0;
    for (let i = 0; i < 15; i++) {
      deleted += await deleteQueueKeys();
      // Paces the wipes over about a second and a half of the rollout.
      await sleep(100);
    }
    expect(deleted).toBeGreaterThan(0);

    await waitAllTerminal(db, id, NODES);
    expect(await assertThreeTransitionsPerNode(db, id)).toBe(NODES);
    // A fast rollout can end before the watchdog's next check; the schedule must come back anyway.
    await pollUntil(
      () => /reconcile-lifecycle schedule was missing/.test(worker.logs()),
      'the reconciler schedule to be registered again',
      { timeoutMs: 15_000 },
    );
    const health = await api.http.get('/health').expect(200);
    expect(health.body.active_workers).toBe(true);
  });
});
