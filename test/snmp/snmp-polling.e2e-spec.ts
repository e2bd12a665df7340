import { createConnection, createServer, Server, Socket } from 'node:net';
import { Pool } from 'pg';
import { testPool } from '../support/database';
import { createDeployment } from '../support/deployments';
import { pollUntil } from '../support/poll';
import { freePort, Service, startService } from '../support/service';
import { cleanUp } from '../support/suite';
import { AGENT, loopbackBytes, SnmpAgent, startSnmpd } from './snmpd-agent';

const NAME = 'snmp-polling';
const TICK_MS = 2000;
let api: Service;
let worker: Service;
let db: Pool;
let agent: SnmpAgent;

/** Steady loopback traffic: a TCP flow paced at `bytesPerSecond`, so lo's counters move evenly. */
async function steadyTraffic(bytesPerSecond: number): Promise<() => Promise<void>> {
  const server: Server = createServer((s) => s.resume());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const client: Socket = createConnection(port, '127.0.0.1');
  await new Promise((resolve) => client.once('connect', resolve));
  const chunk = Buffer.alloc(Math.round(bytesPerSecond / 50), 7);
  const timer = setInterval(() => client.write(chunk), 20);
  return async () => {
    clearInterval(timer);
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
}

/** The kernel's lo byte counter, read every 100 ms with the time read: interpolated later. */
function kernelRecorder() {
  const readings: { at: number; bytes: number }[] = [];
  const timer = setInterval(() => {
    void loopbackBytes().then((bytes) => readings.push({ at: Date.now(), bytes }));
  }, 100);
  return {
    stop: () => clearInterval(timer),
    at(t: number): number {
      const after = readings.findIndex((r) => r.at >= t);
      if (after <= 0) throw new Error(`no kernel reading around ${new Date(t).toISOString()}`);
      const a = readings[after - 1];
      const b = readings[after];
      return a.bytes + ((b.bytes - a.bytes) * (t - a.at)) / (b.at - a.at);
    },
  };
}

async function samplesOf(nodeId: number) {
  const { rows } = await db.query<{
    ts: Date;
    latency_ms: number;
    throughput_gbps: number;
    error_rate: number | null;
  }>(
    `SELECT "timestamp" AS ts, latency_ms, throughput_gbps, error_rate FROM telemetry_samples
     WHERE node_id = $1 ORDER BY "timestamp"`,
    [nodeId],
  );
  return rows;
}

async function eventsOf(nodeId: number) {
  const { rows } = await db.query<{ type: string; reason: string | null }>(
    `SELECT type, reason FROM events
     WHERE node_id = $1 AND type IN ('NODE_UNREACHABLE', 'NODE_REACHABLE') ORDER BY id`,
    [nodeId],
  );
  return rows;
}

async function statusOf(nodeId: number): Promise<string> {
  const { rows } = await db.query<{ deployment_id: number }>(
    `SELECT deployment_id FROM nodes WHERE id = $1`,
    [nodeId],
  );
  const res = await api.http
    .get(`/deployments/${rows[0].deployment_id}/nodes/${nodeId}`)
    .expect(200);
  return res.body.telemetry_status as string;
}

/**
 * A deployment whose nodes reach RUNNING under the push source (nothing polled), then get
 * their loopback addresses, then switch to SNMP: no packet ever goes to a generated address.
 */
async function snmpDeployment(
  credential: number,
  addresses: string[],
  snmp: Record<string, unknown> = {},
): Promise<{ id: number; nodes: number[] }> {
  const { id } = await createDeployment(api, {
    name: NAME,
    target_node_count: addresses.length,
    telemetry: { source: 'push' },
  });
  const nodes = await pollUntil(async () => {
    const { rows } = await db.query<{ id: number }>(
      `SELECT id FROM nodes WHERE deployment_id = $1 AND state = 'RUNNING' ORDER BY seq`,
      [id],
    );
    return rows.length === addresses.length ? rows.map((r) => r.id) : undefined;
  }, 'every node RUNNING');
  for (let i = 0; i < nodes.length; i++) {
    await db.query(`UPDATE nodes SET ip_address = $2 WHERE id = $1`, [nodes[i], addresses[i]]);
  }
  await api.http
    .patch(`/deployments/${id}`)
    .send({
      telemetry: {
        source: 'snmp',
        snmp: { credential, port: agent.port, interfaces: '^lo$', timeout_ms: 300, ...snmp },
      },
    })
    .expect(200);
  return { id, nodes };
}

let v2c: number;
let v3: number;

beforeAll(async () => {
  db = testPool();
  agent = await startSnmpd(await freePort());
  const env = { TELEMETRY_INTERVAL_MS: String(TICK_MS), SIM_TIME_SCALE: '0.01' };
  [api, worker] = await Promise.all([
    startService({ APP_ROLE: 'api', ...env }),
    startService({
      APP_ROLE: 'worker',
      SIM_FAILURE_RATE: '0',
      SNMP_ALLOWED_NETWORKS: '127.0.0.0/8',
      ALERT_EVAL_INTERVAL_MS: '1000',
      ...env,
    }),
  ]);
  const suffix = `${process.pid}-${Date.now()}`;
  v2c = (
    await api.http
      .post('/credentials')
      .send({ name: `snmp-v2c-${suffix}`, kind: 'snmp-v2c', community: AGENT.community })
      .expect(201)
  ).body.id;
  v3 = (
    await api.http
      .post('/credentials')
      .send({ name: `snmp-v3-${suffix}`, kind: 'snmp-v3', ...AGENT.v3 })
      .expect(201)
  ).body.id;
});

afterAll(async () => {
  await worker?.stop();
  await cleanUp({ service: api, db, name: NAME });
  await agent?.stop();
});

describe('SNMP polling against a real snmpd', () => {
  it('derives loopback throughput over SNMP v2c that agrees with the kernel counters', async () => {
    const stopTraffic = await steadyTraffic(25_000_000);
    const kernel = kernelRecorder();
    try {
      const { nodes } = await snmpDeployment(v2c, ['127.0.0.1']);
      const node = nodes[0];
      // The first poll only primes; then 8 intervals of steady traffic.
      const rows = await pollUntil(
        async () => {
          const r = await samplesOf(node);
          return r.length >= 9 ? r : undefined;
        },
        'nine SNMP samples',
        { timeoutMs: 90_000 },
      );
      kernel.stop();
      // Samples are stamped with their tick; each covers the interval since the one before.
      const window = rows.slice(1);
      const from = rows[0].ts.getTime();
      const to = window[window.length - 1].ts.getTime();
      const kernelGbps = ((kernel.at(to) - kernel.at(from)) * 8) / ((to - from) / 1000) / 1e9;
      const snmpGbps = window.reduce((s, r) => s + r.throughput_gbps, 0) / window.length;
      // 25 MB/s each way over lo is 0.4 Gbit/s in + out; a loaded machine paces it slower, but
      // the generated flow still dominates whatever else crosses lo.
      expect(kernelGbps).toBeGreaterThan(0.1);
      expect(Math.abs(snmpGbps - kernelGbps) / kernelGbps).toBeLessThan(0.1);
      for (const r of window) {
        expect(r.latency_ms).toBeGreaterThan(0);
        expect(r.latency_ms).toBeLessThan(300);
        expect(r.error_rate).toBe(0);
      }
      expect(await statusOf(node)).toBe('ok');
      // A node that answered from the start was never unreachable: no event.
      expect(await eventsOf(node)).toEqual([]);
    } finally {
      kernel.stop();
      await stopTraffic();
    }
  });

  it('polls with a v3 authPriv user', async () => {
    const { nodes } = await snmpDeployment(v3, ['127.0.0.1']);
    const rows = await pollUntil(
      async () => {
        const r = await samplesOf(nodes[0]);
        return r.length >= 2 ? r : undefined;
      },
      'two SNMP v3 samples',
      { timeoutMs: 60_000 },
    );
    expect(rows[1].throughput_gbps).toBeGreaterThan(0);
    expect(await statusOf(nodes[0])).toBe('ok');
  });

  it('gives an unreachable node no sample, one event per change, an absent alert, and resumes when it answers', async () => {
    // 127.0.0.2: nothing listens there on the agent's port.
    const { id, nodes } = await snmpDeployment(v2c, ['127.0.0.1', '127.0.0.2']);
    const [up, down] = nodes;
    await api.http
      .post(`/deployments/${id}/alert-rules`)
      .send({
        name: 'silent-switch',
        method: 'absent',
        window_minutes: 1,
        for_seconds: 0,
        keep_firing_for_seconds: 0,
      })
      .expect(201);
    const alertsIn = async (state: string) =>
      (
        (await api.http.get(`/deployments/${id}/alerts?state=${state}`).expect(200)).body as {
          node_id: number;
        }[]
      ).map((a) => a.node_id);
    await pollUntil(
      async () => ((await statusOf(down)) === 'unreachable' ? true : undefined),
      'unreachable',
    );
    // Several ticks more: still one event, and the node that answers has samples all along.
    await pollUntil(
      async () => ((await samplesOf(up)).length >= 3 ? true : undefined),
      'three samples of the answering node',
      { timeoutMs: 60_000 },
    );
    expect(await samplesOf(down)).toEqual([]);
    expect(await eventsOf(down)).toEqual([
      { type: 'NODE_UNREACHABLE', reason: 'no answer after 2 tries' },
    ]);
    // The absent rule fires for the silent node only.
    await pollUntil(
      async () => ((await alertsIn('firing')).includes(down) ? true : undefined),
      'absent alert firing',
    );
    expect(await alertsIn('firing')).toEqual([down]);
    // The bottleneck detector runs on the SNMP samples: the answering node is analysed.
    const bottlenecks = await api.http
      .get(`/deployments/${id}/bottlenecks?analysis_window_minutes=5&min_samples=1`)
      .expect(200);
    expect(bottlenecks.body.nodes_analyzed).toBe(1);
    expect(bottlenecks.body.samples_analyzed).toBe((await samplesOf(up)).length);
    await db.query(`UPDATE nodes SET ip_address = '127.0.0.1' WHERE id = $1`, [down]);
    await pollUntil(
      async () => ((await samplesOf(down)).length >= 1 ? true : undefined),
      'samples again',
      {
        timeoutMs: 60_000,
      },
    );
    expect(await statusOf(down)).toBe('ok');
    await pollUntil(
      async () => ((await alertsIn('resolved')).includes(down) ? true : undefined),
      'absent alert resolved',
    );
    expect(await eventsOf(down)).toEqual([
      { type: 'NODE_UNREACHABLE', reason: 'no answer after 2 tries' },
      { type: 'NODE_REACHABLE', reason: 'answered SNMP again' },
    ]);
  });

  it('drops the interval of an agent restart and carries on after it', async () => {
    const { nodes } = await snmpDeployment(v2c, ['127.0.0.1'], { retries: 3, timeout_ms: 1000 });
    const node = nodes[0];
    await pollUntil(
      async () => ((await samplesOf(node)).length >= 2 ? true : undefined),
      'samples',
      {
        timeoutMs: 60_000,
      },
    );
    const state = async () =>
      (
        await db.query<{ sys_uptime: string; polled_at: Date }>(
          `SELECT sys_uptime, polled_at FROM snmp_counter_state WHERE node_id = $1`,
          [node],
        )
      ).rows[0];
    const before = await state();
    await agent.restart();
    // The first poll after the restart reads a smaller sysUpTime: its interval has no sample.
    const after = await pollUntil(
      async () => {
        const s = await state();
        return Number(s.sys_uptime) < Number(before.sys_uptime) ? s : undefined;
      },
      'a poll of the restarted agent',
      { timeoutMs: 60_000 },
    );
    const stamps = (await samplesOf(node)).map((r) => r.ts.getTime());
    expect(stamps).not.toContain(after.polled_at.getTime());
    await pollUntil(
      async () => ((await samplesOf(node)).some((r) => r.ts > after.polled_at) ? true : undefined),
      'a sample after the restart',
      { timeoutMs: 60_000 },
    );
  });

  it('never puts the community or the v3 keys in logs or job payloads', async () => {
    const logs = worker.logs() + api.logs();
    for (const secret of [AGENT.community, AGENT.v3.auth_key, AGENT.v3.priv_key]) {
      expect(logs).not.toContain(secret);
    }
    const { default: Redis } = await import('ioredis');
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const keys = await redis.keys(`${process.env.QUEUE_PREFIX ?? 'bull'}:telemetry:collect-*`);
      const jobs: string[] = [];
      for (const key of keys) if ((await redis.type(key)) === 'hash') jobs.push(key);
      expect(jobs.length).toBeGreaterThan(0);
      for (const key of jobs) {
        const data = JSON.stringify(await redis.hgetall(key));
        for (const secret of [AGENT.community, AGENT.v3.auth_key, AGENT.v3.priv_key]) {
          expect(data).not.toContain(secret);
        }
      }
    } finally {
      redis.disconnect();
    }
  });
});
