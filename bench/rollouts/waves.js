#!/usr/bin/env node
/* global fetch, URL */
/*
 * A deployment rolled out in waves (wave_percent 10, no pause, no gate) at SIM_TIME_SCALE=1 with
 * one worker: the lateness of every transition per wave (event created_at − scheduled_at, p99),
 * and the gap between a wave's last node ending and the next wave's first admission. Starts the
 * built service (NETORCH_DIST or dist/) on a database and queue prefix of its own and drops them.
 *
 *   node bench/rollouts/waves.js [--nodes 100000] [--runs 3] [--percent 10]
 */
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { cpus, loadavg } = require('node:os');
const { join } = require('node:path');
const { Client } = require('pg');
const { arg, freePort, median } = require('../scratch');
const { BASE_DB, DIST, dropScratch, serviceEnv, sleep } = require('../lib/service');

const NODES = arg('nodes', 100000);
const RUNS = arg('runs', 3);
const PERCENT = arg('percent', 10);

const fmt = (xs) =>
  `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;

function start(role, env) {
  let out = '';
  const child = spawn(process.execPath, [join(DIST, 'main.js')], {
    env: serviceEnv({
      APP_ROLE: role,
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MINUTE: '0',
      MAX_NODES_PER_DEPLOYMENT: String(NODES),
      SIM_TIME_SCALE: '1',
      ...env,
    }),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.on('data', (d) => (out += d));
  return {
    child,
    ready: () => out.includes(role === 'worker' ? 'Worker started' : 'API listening'),
  };
}

async function oneRun(run) {
  const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const name = `netorch_bench_waves_${suffix}`;
  const url = new URL(BASE_DB);
  url.pathname = `/${name}`;
  const env = { DATABASE_URL: url.toString(), QUEUE_PREFIX: name };
  const port = await freePort();
  const api = start('api', { ...env, PORT: String(port) });
  const children = [api.child];
  const db = new Client({ connectionString: url.toString() });
  try {
    for (let i = 0; i < 600 && !api.ready(); i++) await sleep(100);
    const worker = start('worker', env);
    children.push(worker.child);
    for (let i = 0; i < 600 && !worker.ready(); i++) await sleep(100);
    const res = await fetch(`http://127.0.0.1:${port}/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'waves',
        target_node_count: NODES,
        strategy: { wave_percent: PERCENT },
      }),
    });
    if (res.status !== 201) throw new Error(`create answered ${res.status}`);
    const { id } = await res.json();
    const deadline = Date.now() + 30 * 60_000;
    for (;;) {
      const d = await (await fetch(`http://127.0.0.1:${port}/deployments/${id}`)).json();
      if (d.rollout.status === 'completed') break;
      if (d.rollout.status !== 'running') throw new Error(`rollout ${d.rollout.status}`);
      if (Date.now() > deadline) throw new Error('the rollout did not complete within 30 min');
      await sleep(1000);
    }
    await db.connect();
    const { rows: ends } = await db.query(
      `SELECT wave_ends FROM rollouts WHERE deployment_id = $1`,
      [id],
    );
    const waveEnds = ends[0].wave_ends;
    const { rows } = await db.query(
      `WITH w AS (SELECT ord - 1 AS wave, e AS last_seq,
                         COALESCE(lag(e) OVER (ORDER BY ord), 0) + 1 AS first_seq
                  FROM unnest($2::int[]) WITH ORDINALITY AS u(e, ord)),
       t AS (SELECT w.wave, ev.from_state, ev.to_state, ev.created_at,
                    extract(epoch FROM ev.created_at - (ev.metadata->>'scheduled_at')::timestamptz) * 1000 AS late_ms
             FROM events ev JOIN nodes n ON n.id = ev.node_id
             JOIN w ON n.seq BETWEEN w.first_seq AND w.last_seq
             WHERE ev.deployment_id = $1 AND ev.type = 'STATE_CHANGE')
       SELECT wave, percentile_cont(0.99) WITHIN GROUP (ORDER BY late_ms) AS p99,
              min(created_at) FILTER (WHERE from_state = 'PENDING') AS first_admission,
              max(created_at) FILTER (WHERE to_state IN ('RUNNING', 'FAILED')) AS last_end
       FROM t GROUP BY wave ORDER BY wave`,
      [id, waveEnds],
    );
    const p99 = rows.map((r) => Number(r.p99));
    const gaps = rows
      .slice(1)
      .map((r, i) => r.first_admission.getTime() - rows[i].last_end.getTime());
    console.log(
      `run ${run}: ${rows.length} waves; per-wave lateness p99 ms ${p99.map((x) => x.toFixed(0)).join(' ')}; gaps ms ${gaps.join(' ')}`,
    );
    return {
      p99Max: Math.max(...p99),
      p99Median: median(p99),
      gapMax: Math.max(...gaps),
      gapMedian: median(gaps),
    };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await db.end().catch(() => undefined);
    await sleep(500);
    const admin = new Client({ connectionString: BASE_DB });
    await admin.connect();
    await dropScratch(admin, name, name);
  }
}

async function main() {
  console.log(
    `waves: nproc ${cpus().length}, node ${process.version}, ${NODES} nodes in waves of ${PERCENT}%, ${RUNS} runs, dist ${DIST}`,
  );
  const runs = [];
  for (let run = 1; run <= RUNS; run++) runs.push(await oneRun(run));
  console.log('summary (median, min–max)');
  console.log(`worst wave's lateness p99 ms   ${fmt(runs.map((r) => r.p99Max))}`);
  console.log(`median wave's lateness p99 ms  ${fmt(runs.map((r) => r.p99Median))}`);
  console.log(`largest gap between waves ms   ${fmt(runs.map((r) => r.gapMax))}`);
  console.log(`median gap between waves ms    ${fmt(runs.map((r) => r.gapMedian))}`);
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
