import { QueueName } from '../../src/queue/jobs';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { testPool } from '../support/database';
import { deleteQueuePrefix } from '../support/queues';
import { pollUntil } from '../support/poll';
import { freePort, Service, startService } from '../support/service';
import { parseExposition, Sample, scrape as scrapeMetrics, total } from '../support/prometheus';

const RW_SECRET = 'obs-rw-secret-0123456789abcdef';
const RO_SECRET = 'obs-ro-secret-0123456789abcdef';
const NODES = 40;

interface LogLine {
  level: string;
  time: string;
  msg: string;
  context?: string;
  request_id?: string;
  queue?: string;
  job_name?: string;
  job_id?: string;
  [field: string]: unknown;
}

/** Every line a service wrote, parsed; a line that is not one JSON object fails the test. */
function logLines(service: Service): LogLine[] {
  return service
    .logs()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
}

// Queues of this suite's own: its failed test job and its workers' schedules stay out of the
// other suites' way. The database is shared, so every deployment it creates is deleted.
const prefix = `${process.env.QUEUE_PREFIX}_obs`;
let app: Service;
let worker: Service;
let workerMetricsPort: number;
let pool: Pool;
const created: number[] = [];

async function scrape(): Promise<Sample[]> {
  return (await scrapeMetrics(app)).samples;
}

beforeAll(async () => {
  pool = testPool();
  const common = {
    QUEUE_PREFIX: prefix,
    API_KEYS: `obs-rw:${RW_SECRET}:rw,obs-ro:${RO_SECRET}:ro`,
    SIM_TIME_SCALE: '0.02',
    TELEMETRY_INTERVAL_MS: '500',
    LOG_LEVEL: 'info',
  };
  app = await startService({ ...common, APP_ROLE: 'all' });
  workerMetricsPort = await freePort();
  worker = await startService({
    ...common,
    APP_ROLE: 'worker',
    METRICS_PORT: String(workerMetricsPort),
  });
});

afterAll(async () => {
  for (const id of created) {
    await app?.http.delete(`/deployments/${id}`).set('X-API-Key', RW_SECRET);
  }
  await worker?.stop();
  await app?.stop();
  await pool?.end();
  await deleteQueuePrefix(prefix);
});

describe('one JSON log format', () => {
  it('tags what serving a request writes with its request_id, and never writes a key', async () => {
    const res = await app.http
      .post('/deployments')
      .set('X-API-Key', RW_SECRET)
      .set('X-Request-Id', 'obs-create-1')
      .send({ name: 'obs-logs', target_node_count: 2 })
      .expect(201);
    created.push(res.body.id);
    await app.http
      .delete(`/deployments/${res.body.id}`)
      .set('Authorization', `Bearer ${RW_SECRET}`)
      .set('X-Request-Id', 'obs-delete-1')
      .expect(204);
    await app.http.get('/deployments').set('X-API-Key', RO_SECRET).expect(200);

    const lines = await pollUntil(
      async () => {
        const all = logLines(app);
        return all.some((l) => l.request_id === 'obs-delete-1' && l.msg === 'request completed')
          ? all
          : undefined;
      },
      'the delete request logged',
      { timeoutMs: 90_000 },
    );
    const deleted = lines.filter((l) => l.request_id === 'obs-delete-1');
    // Fastify's access line and the service's own line through Nest's Logger, both tagged.
    expect(deleted).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          level: 'info',
          msg: 'request completed',
          method: 'DELETE',
          route: '/deployments/:id',
          status_code: 204,
        }),
        expect.objectContaining({
          level: 'info',
          context: 'DeploymentsService',
          msg: expect.stringMatching(
            /^Deployment \d+ deleted .*request obs-delete-1, actor obs-rw/,
          ),
        }),
      ]),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ request_id: 'obs-create-1', route: '/deployments' }),
    );
    // Nest's start-up lines share the format: a string level, a time, a message.
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'info',
        context: 'Bootstrap',
        msg: 'Worker started (queue prefix ' + prefix + ')',
      }),
    );
    for (const line of lines) {
      expect(typeof line.level).toBe('string');
      expect(typeof line.time).toBe('string');
      expect(typeof line.msg).toBe('string');
    }
    const text = app.logs() + worker.logs();
    expect(text).not.toContain(RW_SECRET);
    expect(text).not.toContain(RO_SECRET);
  });

  it('tags what a job writes with its queue, job_name and job_id (and the request that enqueued it)', async () => {
    const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
      maxRetriesPerRequest: null,
    });
    const queue = new Queue('lifecycle', { connection, prefix });
    try {
      // A payload no handler accepts: the job fails at once, without retries, and says why.
      const job = await queue.add(
        'advance-shard',
        { deploymentId: 'not-a-number', shard: 0, requestId: 'obs-job-request' },
        { attempts: 1 },
      );
      const line = await pollUntil(
        async () => {
          const all = [...logLines(app), ...logLines(worker)];
          return all.find((l) => l.job_id === job.id && /Job failed/.test(l.msg));
        },
        'the failed job logged',
        { timeoutMs: 90_000 },
      );
      expect(line).toEqual(
        expect.objectContaining({
          level: 'warn',
          queue: 'lifecycle',
          job_name: 'advance-shard',
          job_id: job.id,
          request_id: 'obs-job-request',
          context: 'RegisteredProcessor',
          msg: expect.stringMatching(
            /attempt 1 of 1, no retry left.*Malformed advance-shard payload/,
          ),
        }),
      );
      // The process that ran it counted it as a final failure.
      const ranIt = logLines(app).some((l) => l.job_id === job.id) ? 'app' : 'worker';
      const text =
        ranIt === 'app'
          ? (await app.http.get('/metrics').expect(200)).text
          : await (await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`)).text();
      const failed = total(parseExposition(text).samples, 'netorch_jobs_failed_total', {
        queue: 'lifecycle',
        name: 'advance-shard',
        final: 'true',
      });
      expect(failed).toBeGreaterThanOrEqual(1);
      await job.remove();
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});

describe('worker metrics', () => {
  it('counts every transition of a rollout, with its lateness and batch, on the API /metrics of APP_ROLE=all', async () => {
    const res = await app.http
      .post('/deployments')
      .set('X-API-Key', RW_SECRET)
      .send({ name: 'obs-metrics', target_node_count: NODES })
      .expect(201);
    const id = res.body.id as number;
    created.push(id);
    await pollUntil(
      async () => {
        const { rows } = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM nodes
         WHERE deployment_id = $1 AND state IN ('RUNNING', 'FAILED')`,
          [id],
        );
        return rows[0].n === NODES ? true : undefined;
      },
      'the rollout to end',
      { timeoutMs: 90_000 },
    );
    // Both processes share the queues; every transition was made by one of them.
    const appSamples = await scrape();
    const workerSamples = parseExposition(
      await (await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`)).text(),
    ).samples;
    let transitions = 0;
    for (const samples of [appSamples, workerSamples]) {
      const moved = total(samples, 'netorch_lifecycle_transitions_total');
      transitions += moved;
      // One observation per batch statement, fed from the statement's own summary columns.
      expect(total(samples, 'netorch_lifecycle_transition_lateness_seconds_count')).toBe(moved);
      expect(total(samples, 'netorch_lifecycle_batch_size_sum')).toBe(moved);
      const buckets = samples
        .filter((s) => s.name === 'netorch_lifecycle_transition_lateness_seconds_bucket')
        .map((s) => s.value);
      expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
      expect(buckets.at(-1)).toBe(moved);
      expect(
        total(samples, 'netorch_lifecycle_transition_lateness_seconds_sum'),
      ).toBeGreaterThanOrEqual(0);
    }
    // Three transitions per node; a worker may also have moved another suite's overdue nodes.
    expect(transitions).toBeGreaterThanOrEqual(3 * NODES);
    const advanceJobs =
      total(appSamples, 'netorch_job_duration_seconds_count', {
        queue: 'lifecycle',
        name: 'advance-shard',
        outcome: 'completed',
      }) +
      total(workerSamples, 'netorch_job_duration_seconds_count', {
        queue: 'lifecycle',
        name: 'advance-shard',
        outcome: 'completed',
      });
    expect(advanceJobs).toBeGreaterThanOrEqual(1);
  });

  it('measures collection ticks and the running-sum fold', async () => {
    // Ticks every 500 ms over the RUNNING nodes above; the fold runs every 10 s.
    const [ticks, lag] = await pollUntil(
      async () => {
        const samples = [
          ...(await scrape()),
          ...parseExposition(
            await (await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`)).text(),
          ).samples,
        ];
        const measured = total(samples, 'netorch_telemetry_tick_duration_seconds_count');
        const lags = samples.filter((s) => s.name === 'netorch_telemetry_fold_lag_seconds');
        return measured > 0 && lags.length > 0 ? [measured, lags] : undefined;
      },
      'a measured tick and a fold',
      { timeoutMs: 90_000 },
    );
    expect(ticks).toBeGreaterThan(0);
    for (const sample of lag as Sample[]) {
      // The end of the last folded minute: between the 5 s grace and a minute or so ago.
      expect(sample.value).toBeGreaterThanOrEqual(0);
      expect(sample.value).toBeLessThan(3600);
    }
  });

  it('are served by a worker on METRICS_PORT with Node process metrics and a liveness path', async () => {
    const res = await fetch(`http://127.0.0.1:${workerMetricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const { types } = parseExposition(await res.text());
    for (const [name, type] of [
      ['netorch_job_duration_seconds', 'histogram'],
      ['netorch_jobs_failed_total', 'counter'],
      ['netorch_lifecycle_batch_size', 'histogram'],
      ['netorch_lifecycle_transitions_total', 'counter'],
      ['netorch_lifecycle_transition_lateness_seconds', 'histogram'],
      ['netorch_telemetry_tick_duration_seconds', 'histogram'],
      ['netorch_telemetry_ticks_skipped_total', 'counter'],
      ['netorch_telemetry_fold_lag_seconds', 'gauge'],
      ['process_cpu_seconds_total', 'counter'],
      ['nodejs_eventloop_lag_p99_seconds', 'gauge'],
    ]) {
      expect({ name, type: types.get(name) }).toEqual({ name, type });
    }
    // Fleet and queue figures come from the API only (read from the stores at each scrape).
    expect(types.has('netorch_nodes')).toBe(false);
    expect((await fetch(`http://127.0.0.1:${workerMetricsPort}/health/live`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${workerMetricsPort}/deployments`)).status).toBe(404);
    // APP_ROLE=all serves the same worker metrics on the API's /metrics.
    const { types: appTypes } = parseExposition((await app.http.get('/metrics')).text);
    expect(appTypes.get('netorch_job_duration_seconds')).toBe('histogram');
    expect(appTypes.get('netorch_nodes')).toBe('gauge');
  });
});

describe('the queue UI at /queues', () => {
  it('asks for an rw key, as a browser can send it', async () => {
    const none = await app.http.get('/queues').expect(401);
    expect(none.headers['www-authenticate']).toBe('Basic realm="netorch queues"');
    expect(none.body).toEqual(expect.objectContaining({ status_code: 401 }));
    await app.http.get('/queues').set('X-API-Key', 'not-a-key').expect(401);
    const ro = await app.http.get('/queues/api/queues').set('X-API-Key', RO_SECRET).expect(403);
    expect(ro.body.detail).toMatch(/"obs-ro" has scope ro.*needs an rw key/);

    const page = await app.http.get('/queues').set('X-API-Key', RW_SECRET).expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    await app.http.get('/queues').auth('operator', RW_SECRET).expect(200);
    await app.http.get('/queues').auth('operator', RO_SECRET).expect(403);
    const api = await app.http
      .get('/queues/api/queues')
      .set('Authorization', `Bearer ${RW_SECRET}`)
      .expect(200);
    expect((api.body.queues as { name: string }[]).map((q) => q.name).sort()).toEqual(
      Object.values(QueueName).sort(),
    );
  });
});
