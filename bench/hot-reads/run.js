#!/usr/bin/env node
/* global fetch, URL */
/*
 * GET /deployments/{id} on a 10,000-node deployment against the raw limit of this machine: a
 * bare Fastify route doing one primary-key SELECT through a pg pool, measured side by side with
 * the same load generator (wrk), alternating, idle and again while a 10,000-node rollout and its
 * telemetry collection run in a worker process, each with the rate limiter off
 * (RATE_LIMIT_PER_MINUTE=0) and on (as production runs it). Starts the built service (NETORCH_DIST or
 * dist/) on a database and queue prefix of its own and drops them at the end.
 *
 *   node bench/hot-reads/run.js [--runs 3] [--seconds 5] [--connections 50] [--nodes 10000]
 *                               [--before OTHER_DIST]
 *
 * Needs wrk (`apt-get install wrk`).
 */
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { cpus, loadavg } = require('node:os');
const { join } = require('node:path');
const { Client } = require('pg');
const { arg, freePort, median } = require('../scratch');
const {
  BASE_DB,
  DIST,
  ROOT,
  dropScratch,
  serviceEnv,
  sleep,
  startApi,
  waitReady,
} = require('../lib/service');

const RUNS = arg('runs', 3);
const SECONDS = arg('seconds', 5);
const CONNECTIONS = arg('connections', 50);
const NODES = arg('nodes', 10000);
// --before DIR: also measure another build's API with its limiter on (same database), so a
// change is compared with what it replaces in the same run.
const BEFORE = process.argv.includes('--before')
  ? process.argv[process.argv.indexOf('--before') + 1]
  : undefined;

/** The service's environment here: one client address sends every request of a load test. */
const RATE_LIMIT_OFF = { RATE_LIMIT_PER_MINUTE: '0' };

async function startWorker(databaseUrl, queuePrefix) {
  let out = '';
  const child = spawn(process.execPath, [join(DIST, 'main.js')], {
    env: serviceEnv({
      ...RATE_LIMIT_OFF,
      DATABASE_URL: databaseUrl,
      QUEUE_PREFIX: queuePrefix,
      APP_ROLE: 'worker',
      LOG_LEVEL: 'info',
      // Stretches the rollout over the measured window; collection runs every 5 s.
      SIM_TIME_SCALE: '3',
    }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.on('data', (d) => (out += d));
  await waitReady(null, child, 'the worker', () => out.includes('Worker started'));
  return { child };
}

/** The raw limit: a bare Fastify route with one primary-key SELECT through a pg pool. */
const RAW_SERVER = `
  const fastify = require('fastify')({ logger: false });
  const { Pool } = require('pg');
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
  fastify.get('/raw/:id', async (request) => {
    const { rows } = await pool.query('SELECT * FROM deployments WHERE id = $1', [Number(request.params.id)]);
    return rows[0];
  });
  fastify.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }).then(() => console.log('ready'));
`;

async function startRaw(databaseUrl) {
  const port = await freePort();
  let out = '';
  const child = spawn(process.execPath, ['-e', RAW_SERVER], {
    env: {
      ...process.env,
      NODE_PATH: join(ROOT, 'node_modules'),
      DATABASE_URL: databaseUrl,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.on('data', (d) => (out += d));
  await waitReady(null, child, 'the raw route', () => out.includes('ready'));
  return { url: `http://127.0.0.1:${port}`, child };
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * Requests per second and latency percentiles of one wrk run, and the CPU time the server
 * process spent per request: on a shared machine the second is steadier than the first.
 */
function wrk(url, pid) {
  const cpuBefore = cpuSeconds(pid);
  const out = execFileSync('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', url], {
    encoding: 'utf8',
  });
  const cpu = cpuSeconds(pid) - cpuBefore;
  const requests = Number(/(\d+) requests in/.exec(out)[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  const pct = (p) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) return null;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  if (non2xx) throw new Error(`${url}: ${non2xx[1]} responses were not 2xx`);
  return { rps, p50: pct(50), p99: pct(99), cpuUs: (cpu * 1e6) / requests };
}

async function createDeployment(api) {
  const res = await fetch(`${api.url}/deployments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: `bench-${NODES}`, target_node_count: NODES }),
  });
  if (res.status !== 201) throw new Error(`create answered ${res.status}`);
  return (await res.json()).id;
}

function summarize(label, runs) {
  const pick = (k) => runs.map((r) => r[k]);
  const fmt = (xs, d = 0) =>
    `${median(xs).toFixed(d)} (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})`;
  return {
    label,
    service_rps: fmt(pick('service')),
    raw_rps: fmt(pick('raw')),
    ratio: fmt(pick('ratio'), 2),
    service_p50_ms: fmt(pick('p50'), 2),
    service_p99_ms: fmt(pick('p99'), 2),
    // CPU time of the server process per request, and raw's over the service's.
    service_cpu_us_per_request: fmt(pick('serviceCpuUs'), 1),
    raw_cpu_us_per_request: fmt(pick('rawCpuUs'), 1),
    cpu_ratio: fmt(pick('cpuRatio'), 2),
  };
}

/**
 * Each run measures every API (limiter off, limiter on) and the raw route one after the other,
 * so that drift of the machine's speed hits all sides alike; each ratio is to the raw route of
 * its own run.
 */
async function measure(apis, raw, id) {
  const runs = apis.map(() => []);
  for (let i = 0; i < RUNS; i++) {
    const services = apis.map((api) => wrk(`${api.url}/deployments/${id}`, api.child.pid));
    const bare = wrk(`${raw.url}/raw/${id}`, raw.child.pid);
    services.forEach((service, k) =>
      runs[k].push({
        service: service.rps,
        raw: bare.rps,
        ratio: service.rps / bare.rps,
        p50: service.p50,
        p99: service.p99,
        serviceCpuUs: service.cpuUs,
        rawCpuUs: bare.cpuUs,
        cpuRatio: bare.cpuUs / service.cpuUs,
      }),
    );
  }
  return runs;
}

function report(phase, apis, runs) {
  apis.forEach((api, k) => console.log(summarize(`${phase}, ${api.label}`, runs[k])));
}

async function main() {
  // wrk --version exits 1; only a missing binary is an error here.
  if (spawnSync('wrk', ['--version']).error) throw new Error('wrk is missing: apt-get install wrk');
  const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const name = `netorch_bench_hot_${suffix}`;
  const queuePrefix = `netorch_bench_hot_${suffix}`;
  const url = new URL(BASE_DB);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const children = [];
  try {
    const api = {
      ...(await startApi(databaseUrl, queuePrefix, RATE_LIMIT_OFF)),
      label: 'limiter off',
    };
    children.push(api.child);
    // The limiter as production runs it, with a limit this one client never reaches (the
    // largest RATE_LIMIT_PER_MINUTE; the burst takes its default, a thirtieth of it).
    const limited = {
      ...(await startApi(databaseUrl, queuePrefix, { RATE_LIMIT_PER_MINUTE: '10000000' })),
      label: 'limiter on',
    };
    children.push(limited.child);
    const apis = [api, limited];
    if (BEFORE) {
      const before = await startApi(
        databaseUrl,
        queuePrefix,
        { RATE_LIMIT_PER_MINUTE: '10000000' },
        BEFORE,
      );
      children.push(before.child);
      apis.push({ ...before, label: `limiter on, ${BEFORE}` });
    }
    const raw = await startRaw(databaseUrl);
    children.push(raw.child);
    console.log(
      `hot reads: nproc ${cpus().length}, node ${process.version}, ${NODES} nodes, wrk -t2 -c${CONNECTIONS} -d${SECONDS}s, ${RUNS} runs`,
    );
    // Idle: the deployment's nodes exist, no worker moves them.
    const idle = await createDeployment(api);
    report('idle', apis, await measure(apis, raw, idle));
    // Busy: a worker rolls a second 10,000-node deployment out and collects telemetry.
    const worker = await startWorker(databaseUrl, queuePrefix);
    children.push(worker.child);
    const busy = await createDeployment(api);
    await sleep(1000);
    report('during a rollout', apis, await measure(apis, raw, busy));
    const counts = await (await fetch(`${api.url}/deployments/${busy}`)).json();
    console.log(`rollout state at the end: ${JSON.stringify(counts.state_counts)}`);
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await sleep(500);
    const admin = new Client({ connectionString: BASE_DB });
    await admin.connect();
    await dropScratch(admin, name, queuePrefix);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
