import { Pool } from 'pg';
import { createDeployment } from '../support/deployments';
import { pollUntil } from '../support/poll';
import { Service, startService } from '../support/service';
import { cleanUp } from '../support/suite';
import { testPool } from '../support/database';

const NAME = 'telemetry-settings';
const INTERVAL_MS = 300;
let api: Service;
let worker: Service;
let db: Pool;

beforeAll(async () => {
  db = testPool();
  const env = { TELEMETRY_INTERVAL_MS: String(INTERVAL_MS), SIM_TIME_SCALE: '0.01' };
  [api, worker] = await Promise.all([
    startService({ APP_ROLE: 'api', ...env }),
    startService({ APP_ROLE: 'worker', SIM_FAILURE_RATE: '0', ...env }),
  ]);
});

afterAll(async () => {
  await worker?.stop();
  await cleanUp({ service: api, db, name: NAME });
});

const SNMP = { credential: 7, port: 16100, interfaces: '^eth', timeout_ms: 500, retries: 2 };

describe('a deployment telemetry block', () => {
  it('defaults to the simulator on every tick', async () => {
    const { id } = await createDeployment(api, { name: NAME });
    const res = await api.http.get(`/deployments/${id}`).expect(200);
    expect(res.body.telemetry).toEqual({ source: 'simulator', interval_seconds: null });
  });

  it('is stored on create with its defaults and shown by GET and the list', async () => {
    const created = await createDeployment(api, {
      name: NAME,
      telemetry: { source: 'snmp', interval_seconds: 10, snmp: { credential: 7 } },
    });
    const expected = {
      source: 'snmp',
      interval_seconds: 10,
      snmp: { credential: 7, port: 161, interfaces: null, timeout_ms: 1000, retries: 1 },
    };
    expect((created as unknown as { telemetry: unknown }).telemetry).toEqual(expected);
    const res = await api.http.get(`/deployments/${created.id}`).expect(200);
    expect(res.body.telemetry).toEqual(expected);
    const list = await api.http.get('/deployments?limit=1000').expect(200);
    const listed = (list.body as { id: number; telemetry: unknown }[]).find(
      (d) => d.id === created.id,
    );
    expect(listed?.telemetry).toEqual(expected);
  });

  it('is replaced by PATCH, with its audit event, and other blocks keep their shape', async () => {
    const { id } = await createDeployment(api, { name: NAME });
    const telemetry = {
      source: 'prometheus',
      interval_seconds: 30,
      prometheus: {
        url: 'http://127.0.0.1:9/',
        queries: { throughput_gbps: 'sum by (instance) (rate(x[1m]))' },
      },
      remote_write: { metrics: { latency_ms: 'my:latency' } },
      snmp: SNMP,
    };
    const res = await api.http.patch(`/deployments/${id}`).send({ telemetry }).expect(200);
    expect(res.body.telemetry).toEqual({
      source: 'prometheus',
      interval_seconds: 30,
      snmp: SNMP,
      prometheus: {
        url: 'http://127.0.0.1:9/',
        credential: null,
        queries: { throughput_gbps: 'sum by (instance) (rate(x[1m]))' },
        node_label: 'instance',
        node_match: 'management_address',
      },
      remote_write: {
        node_label: 'node',
        node_match: 'hostname',
        metrics: {
          latency_ms: 'my:latency',
          throughput_gbps: 'netorch:throughput_gbps',
          error_rate: 'netorch:error_rate',
        },
      },
    });
    expect(res.body.name).toBe(NAME);
    const events = await db.query<{ metadata: { after: { telemetry: { source: string } } } }>(
      `SELECT metadata FROM events WHERE deployment_id = $1 AND type = 'DEPLOYMENT_UPDATED'`,
      [id],
    );
    expect(events.rows.map((e) => e.metadata.after.telemetry.source)).toEqual(['prometheus']);
  });

  it.each([
    [{ source: 'snmp' }, 'telemetry.snmp is required'],
    [{ source: 'prometheus' }, 'telemetry.prometheus is required'],
    [{ source: 'carrier-pigeon' }, 'source'],
    [{ interval_seconds: 4 }, 'interval_seconds'],
    [{ interval_seconds: 3601 }, 'interval_seconds'],
    [{ source: 'snmp', snmp: { credential: 7, interfaces: '(' } }, 'not a regular expression'],
    [{ source: 'snmp', snmp: { credential: 7, port: 70000 } }, 'port'],
    [{ source: 'snmp', snmp: { credential: 7, retries: -1 } }, 'retries'],
    [{ source: 'snmp', snmp: { credential: 7, timeout_ms: 10 } }, 'timeout_ms'],
    [{ source: 'snmp', snmp: { port: 161 } }, 'credential'],
    [{ source: 'prometheus', prometheus: { url: 'http://x', queries: {} } }, 'at least one'],
    [
      { source: 'prometheus', prometheus: { url: 'ftp://x', queries: { latency_ms: 'up' } } },
      'url',
    ],
    [{ remote_write: { node_label: 'not a label' } }, 'node_label'],
  ])('rejects %j with a 422 that names it, on create and PATCH', async (telemetry, words) => {
    const before = await db.query(`SELECT count(*) FROM deployments WHERE name = $1`, [NAME]);
    const res = await api.http
      .post('/deployments')
      .send({ name: NAME, target_node_count: 1, telemetry });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(JSON.stringify(res.body)).toContain(words);
    const after = await db.query(`SELECT count(*) FROM deployments WHERE name = $1`, [NAME]);
    expect(after.rows).toEqual(before.rows);
    const { id } = await createDeployment(api, { name: NAME, target_node_count: 1 });
    const patch = await api.http.patch(`/deployments/${id}`).send({ telemetry });
    expect(patch.status).toBe(res.status);
    const shown = await api.http.get(`/deployments/${id}`).expect(200);
    expect(shown.body.telemetry).toEqual({ source: 'simulator', interval_seconds: null });
  });

  it('collects nothing on schedule for a push deployment, and resumes when it changes back', async () => {
    const { id } = await createDeployment(api, {
      name: NAME,
      target_node_count: 3,
      telemetry: { source: 'push' },
    });
    await pollUntil(async () => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM nodes WHERE deployment_id = $1 AND state = 'RUNNING'`,
        [id],
      );
      return rows[0].n === 3 || undefined;
    }, 'every node RUNNING');
    // Ticks pass: GET /health counts the ticks that fanned out.
    const ticksAfter = async () => {
      const res = await api.http.get('/health');
      return (res.body as { telemetry: { ticks: number } | null }).telemetry?.ticks ?? 0;
    };
    const start = await ticksAfter();
    await pollUntil(
      async () => ((await ticksAfter()) >= start + 3 ? true : undefined),
      'three ticks',
    );
    const none = await db.query(`SELECT 1 FROM telemetry_samples WHERE deployment_id = $1`, [id]);
    expect(none.rowCount).toBe(0);
    await api.http
      .patch(`/deployments/${id}`)
      .send({ telemetry: { source: 'simulator' } })
      .expect(200);
    await pollUntil(async () => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(DISTINCT node_id)::int AS n FROM telemetry_samples WHERE deployment_id = $1`,
        [id],
      );
      return rows[0].n === 3 || undefined;
    }, 'samples of every node');
  });
});
