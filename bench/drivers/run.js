#!/usr/bin/env node
/* global fetch, URL, setTimeout, performance */
/*
 * 1,000 nodes through the http driver against a local endpoint that answers each run with one
 * callback (all nodes succeeded) after the simulator's mean step length for the phase, against
 * the same rollout under the simulator with the same timings (SIM_TIME_SCALE, no failures): time
 * from create to every node terminal. Then the apply rate: one run of `--apply` nodes whose
 * single callback carries every result, timed at the endpoint (results applied per second).
 * One process (APP_ROLE=all) on a database and queue prefix of its own, dropped after.
 *
 *   node bench/drivers/run.js [--nodes 1000] [--runs 2] [--scale 0.1] [--batch 50] [--apply 1000]
 */
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { createServer } = require('node:http');
const { cpus, loadavg } = require('node:os');
const { join } = require('node:path');
const { Client } = require('pg');
const { arg, freePort, median } = require('../scratch');
const {
  BASE_DB,
  DIST,
  REDIS_URL,
  ROOT,
  dropScratch,
  sleep,
  stopProcesses,
  waitLive,
} = require('../lib/service');

const NODES = arg('nodes', 1000);
const RUNS = arg('runs', 2);
const SCALE = arg('scale', 0.1);
const BATCH = arg('batch', 50);
const APPLY = arg('apply', 1000);
// The simulator's mean step lengths (src/simulation/lifecycle-model.ts), scaled.
const MEAN_MS = { provision: ((3000 + 8000) / 2) * SCALE, configure: ((5000 + 12000) / 2) * SCALE };

/** The endpoint: 202 at once, then one callback with every node succeeded after the phase's mean. */
function endpoint(applyTimes) {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      res.writeHead(202).end();
      const run = JSON.parse(raw);
      const delay =
        run.nodes.length === APPLY && run.deployment.name === 'apply' ? 0 : MEAN_MS[run.phase];
      setTimeout(async () => {
        const started = performance.now();
        const r = await fetch(run.callback_url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${run.callback_token}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            results: run.nodes.map((n) => ({ node_id: n.id, status: 'succeeded' })),
          }),
        });
        const body = await r.json();
        if (run.deployment.name === 'apply')
          applyTimes.push({ ms: performance.now() - started, accepted: body.accepted });
      }, delay);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function allTerminal(url, id, total) {
  const started = Date.now();
  for (;;) {
    const d = await (await fetch(`${url}/deployments/${id}`)).json();
    const c = d.state_counts;
    if (c.RUNNING + c.FAILED === total) return;
    if (Date.now() - started > 20 * 60_000) throw new Error(`deployment ${id} did not finish`);
    await sleep(100);
  }
}

async function rollout(url, name, nodes, provisioning) {
  const t0 = Date.now();
  const res = await fetch(`${url}/deployments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name,
      target_node_count: nodes,
      ...(provisioning ? { provisioning } : {}),
    }),
  });
  if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
  const { id } = await res.json();
  await allTerminal(url, id, nodes);
  return (Date.now() - t0) / 1000;
}

async function oneRun() {
  const name = `netorch_bench_drivers_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const dbUrl = new URL(BASE_DB);
  dbUrl.pathname = `/${name}`;
  const port = await freePort();
  const applyTimes = [];
  const server = await endpoint(applyTimes);
  const child = spawn(process.execPath, [join(DIST, 'main.js')], {
    env: {
      ...process.env,
      NODE_PATH: join(ROOT, 'node_modules'),
      APP_ROLE: 'all',
      HOST: '127.0.0.1',
      PORT: String(port),
      REDIS_URL,
      DATABASE_URL: dbUrl.toString(),
      QUEUE_PREFIX: name,
      API_KEYS: '',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      SIM_TIME_SCALE: String(SCALE),
      SIM_FAILURE_RATE: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitLive(url);
    const target = `http://127.0.0.1:${server.address().port}/runs`;
    const http = await rollout(url, 'http', NODES, {
      driver: 'http',
      url: target,
      batch_size: BATCH,
    });
    const simulator = await rollout(url, 'simulator', NODES, null);
    await rollout(url, 'apply', APPLY, { driver: 'http', url: target, batch_size: APPLY });
    const apply = applyTimes[0];
    return { http, simulator, perSecond: (apply.accepted / apply.ms) * 1000, applyMs: apply.ms };
  } finally {
    await stopProcesses([child]);
    server.close();
    const admin = new Client({ connectionString: BASE_DB });
    await admin.connect();
    await dropScratch(admin, name, name);
  }
}

(async () => {
  const results = [];
  for (let run = 1; run <= RUNS; run++) {
    const before = loadavg()[0];
    const r = await oneRun();
    results.push(r);
    console.log(
      `run ${run}: http driver ${r.http.toFixed(1)} s, simulator ${r.simulator.toFixed(1)} s to all ${NODES} terminal; ` +
        `${APPLY} results in one callback applied in ${r.applyMs.toFixed(0)} ms = ${r.perSecond.toFixed(0)} results/s ` +
        `(load ${before.toFixed(1)} -> ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`,
    );
  }
  const med = (k) => median(results.map((r) => r[k]));
  console.log(
    `median of ${RUNS}: http ${med('http').toFixed(1)} s, simulator ${med('simulator').toFixed(1)} s, ` +
      `${med('perSecond').toFixed(0)} results/s applied (goal >= 20000)`,
  );
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
