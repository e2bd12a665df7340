#!/usr/bin/env node
/* global fetch, URL */
/*
 * SNMP polling by one worker process: --nodes RUNNING nodes of one deployment with source snmp
 * (interval 5 s, SNMP_MAX_CONCURRENT default 200), polled against --agents local snmpd
 * processes, agent k listening on 127.0.0.k (same UDP port), the nodes spread over them round
 * robin. Reports per tick: how long from the tick to its samples stored (the collection stats'
 * last_tick_duration_ms) and how many nodes got a sample; the goal is every node within 5 s.
 * Uses the built service (NETORCH_DIST or dist/), its own database and queue prefix, and drops
 * both at the end.
 *
 *   node bench/snmp/run.js [--nodes 2000] [--agents 4] [--ticks 6]
 */
const { spawn, execFileSync } = require('node:child_process');
const { existsSync, mkdtempSync, writeFileSync, rmSync } = require('node:fs');
const { randomBytes } = require('node:crypto');
const { cpus, loadavg, tmpdir } = require('node:os');
const { join } = require('node:path');
const { Client } = require('pg');
const Redis = require('ioredis');
const { arg, freePort, median } = require('../scratch');
const { BASE_DB, DIST, REDIS_URL, ROOT, dropScratch, sleep } = require('../lib/service');

const NODES = arg('nodes', 2000);
const AGENTS = arg('agents', 4);
const TICKS = arg('ticks', 6);
const INTERVAL_MS = 5000;
const COMMUNITY = 'netorch-bench';
const SNMPD = ['/usr/sbin/snmpd', '/usr/local/sbin/snmpd'].find(existsSync) ?? 'snmpd';

const log = (...parts) => process.stderr.write(`${parts.join(' ')}\n`);

function startProcess(args, env, ready, what) {
  return (async () => {
    let output = '';
    const child = spawn(args[0], args.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk) => (output = (output + chunk.toString()).slice(-20000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const deadline = Date.now() + 90000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${what} exited:\n${output}`);
      if (await ready(() => output)) {
        const stop = () =>
          new Promise((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', resolve);
            child.kill('SIGTERM');
          });
        return { child, stop };
      }
      await sleep(100);
    }
    child.kill('SIGKILL');
    throw new Error(`${what} did not start within 90 s:\n${output}`);
  })();
}

async function startService(role, env) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const service = await startProcess(
    [process.execPath, join(DIST, 'main.js')],
    {
      ...process.env,
      NODE_PATH: join(ROOT, 'node_modules'),
      APP_ROLE: role,
      HOST: '127.0.0.1',
      PORT: String(port),
      REDIS_URL,
      API_KEYS: '',
      LOG_LEVEL: 'info',
      TELEMETRY_INTERVAL_MS: String(INTERVAL_MS),
      SNMP_ALLOWED_NETWORKS: '127.0.0.0/8',
      ...env,
    },
    async (output) =>
      role === 'worker'
        ? output().includes('Worker started') ||
          (await fetch(`${url}/health/live`)
            .then((r) => r.ok)
            .catch(() => false))
        : fetch(`${url}/health/live`)
            .then((r) => r.ok)
            .catch(() => false),
    role,
  );
  return { ...service, url };
}

/** One snmpd on 127.0.0.`k`:`port` with a view over IF-MIB for the bench's community. */
async function startAgent(k, port, dir) {
  const conf = join(dir, `snmpd-${k}.conf`);
  writeFileSync(
    conf,
    `agentAddress udp:127.0.0.${k}:${port}
view benchview included .1.3.6.1.2.1.1
view benchview included .1.3.6.1.2.1.2
view benchview included .1.3.6.1.2.1.31
rocommunity ${COMMUNITY} 127.0.0.0/8 -V benchview
`,
  );
  const env = { ...process.env, SNMP_PERSISTENT_DIR: join(dir, `persist-${k}`), MIBS: '' };
  return startProcess(
    [SNMPD, '-f', '-Lo', '-C', '-c', conf, '-p', join(dir, `pid-${k}`)],
    env,
    async () => {
      try {
        execFileSync(
          'snmpget',
          [
            '-v2c',
            '-c',
            COMMUNITY,
            '-t',
            '0.5',
            '-r',
            '0',
            `127.0.0.${k}:${port}`,
            '1.3.6.1.2.1.1.3.0',
          ],
          {
            stdio: 'ignore',
          },
        );
        return true;
      } catch {
        return false;
      }
    },
    `snmpd ${k}`,
  );
}

async function main() {
  const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const name = `netorch_bench_snmp_${suffix}`;
  const url = new URL(BASE_DB);
  url.pathname = `/${name}`;
  const env = { DATABASE_URL: url.toString(), QUEUE_PREFIX: name };
  const dir = mkdtempSync(join(tmpdir(), 'netorch-bench-snmpd-'));
  const port = await freePort();
  const admin = new Client({ connectionString: BASE_DB });
  await admin.connect();
  const db = new Client({ connectionString: env.DATABASE_URL });
  const redis = new Redis(REDIS_URL);
  const running = [];
  try {
    log(
      `nproc ${cpus().length}, Node ${process.version}, ${new Date().toISOString()}, load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    for (let k = 1; k <= AGENTS; k++) running.push(await startAgent(k, port, dir));
    const api = await startService('api', env);
    running.push(api);
    await db.connect();
    const credential = await fetch(`${api.url}/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', kind: 'snmp-v2c', community: COMMUNITY }),
    }).then((r) => r.json());
    const telemetry = {
      source: 'snmp',
      interval_seconds: INTERVAL_MS / 1000,
      snmp: { credential: credential.id, port, interfaces: null, timeout_ms: 1000, retries: 1 },
    };
    const { rows } = await db.query(
      `INSERT INTO deployments (name, target_node_count, started_at, telemetry)
       VALUES ('bench-snmp', $1, now(), $2) RETURNING id`,
      [NODES, JSON.stringify(telemetry)],
    );
    const deploymentId = rows[0].id;
    await db.query(
      `INSERT INTO nodes (deployment_id, seq, node_id, state, hostname, ip_address, state_changed_at)
       SELECT $1::int, g, 'node-' || lpad(g::text, 4, '0'), 'RUNNING', 'bench-' || g,
              '127.0.0.' || (1 + (g - 1) % $3::int), now()
       FROM generate_series(1, $2::int) g`,
      [deploymentId, NODES, AGENTS],
    );
    const worker = await startService('worker', env);
    running.push(worker);
    const statsKey = `${name}:telemetry:netorch-stats`;
    const ticks = [];
    let seen = null;
    const deadline = Date.now() + (TICKS + 4) * INTERVAL_MS * 2;
    while (ticks.length < TICKS + 1 && Date.now() < deadline) {
      const stats = await redis.hgetall(statsKey);
      const raw = stats.last_completed_tick_at;
      if (raw && raw !== seen && stats.last_tick_duration_ms) {
        seen = raw;
        const done = new Date(Number(raw)).toISOString();
        const { rows: n } = await db.query(
          `SELECT count(*)::int AS n FROM telemetry_samples WHERE deployment_id = $1 AND "timestamp" = $2`,
          [deploymentId, done],
        );
        const { rows: st } = await db.query(
          `SELECT count(*)::int AS n FROM nodes WHERE deployment_id = $1 AND telemetry_status = 'ok'`,
          [deploymentId],
        );
        ticks.push({
          at: done,
          ms: Number(stats.last_tick_duration_ms),
          samples: n[0].n,
          ok: st[0].n,
        });
        log(
          `  tick ${done}: ${stats.last_tick_duration_ms} ms, ${n[0].n} samples, ${st[0].n} nodes ok`,
        );
      }
      await sleep(200);
    }
    // The first tick only primes the counters (no samples): the others are measured.
    const measured = ticks.slice(1);
    if (measured.length === 0) throw new Error('no tick completed');
    const result = {
      machine: { nproc: cpus().length, node: process.version, load_end: loadavg() },
      nodes: NODES,
      agents: `${AGENTS} snmpd processes on 127.0.0.1..${AGENTS}, nodes round robin`,
      ticks: measured,
      tick_ms_median: median(measured.map((t) => t.ms)),
      tick_ms_max: Math.max(...measured.map((t) => t.ms)),
      every_node_sampled_every_tick: measured.every((t) => t.samples === NODES),
      polled_per_5s_interval: median(measured.map((t) => t.samples)),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    for (const p of running.reverse()) await p.stop();
    await db.end().catch(() => undefined);
    redis.disconnect();
    await dropScratch(admin, name, name);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
