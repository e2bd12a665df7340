#!/usr/bin/env node
/**
 * Rollout benchmark: a big deployment through api + worker processes against the real
 * PostgreSQL and Redis.
 *   lateness   SIM_TIME_SCALE=1, one worker: actual − scheduled time of every transition
 *              (event created_at − metadata.scheduled_at), p50/p99/max
 *   throughput SIM_TIME_SCALE=0, one and two workers: transitions per second
 *   raw        single-row UPDATEs of nodes through a plain pg pool, same database, same run
 * Usage: node bench/rollout/run.js [--nodes 100000] [--runs 3] [--raw-rows 50000]
 *        [--only lateness|throughput] [--keep (leave the scratch databases for inspection)]
 * Uses NETORCH_DIST (default dist/), DATABASE_URL's server (default local), REDIS_URL.
 */
/* global fetch */
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { join } = require('node:path');
const { setTimeout } = require('node:timers');
const { URL } = require('node:url');
const { Client, Pool } = require('pg');
const { clearQueueKeys } = require('../scratch');

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const NODES = arg('nodes', 100000);
const RUNS = arg('runs', 3);
const RAW_ROWS = arg('raw-rows', 50000);
// --only lateness|throughput: one half of the benchmark (while investigating); default both.
const ONLY = process.argv.includes('--only')
  ? process.argv[process.argv.indexOf('--only') + 1]
  : null;
const MAIN = join(process.env.NETORCH_DIST ?? join(__dirname, '..', '..', 'dist'), 'main.js');
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let portSeq = 19400 + Math.floor(Math.random() * 500);

function start(env, scratch) {
  const port = portSeq++;
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: scratch.url,
      QUEUE_PREFIX: scratch.prefix,
      REDIS_URL,
      LOG_LEVEL: 'info',
      MAX_NODES_PER_DEPLOYMENT: String(Math.max(NODES, RAW_ROWS)),
      TELEMETRY_INTERVAL_MS: '3600000',
      // A build outside the repo (NETORCH_DIST) still loads the repo's packages.
      NODE_PATH: join(__dirname, '..', '..', 'node_modules'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const url = `http://127.0.0.1:${port}`;
  const ready = (async () => {
    for (let i = 0; i < 600; i++) {
      if (child.exitCode !== null) throw new Error(`service exited:\n${out}`);
      if (env.APP_ROLE === 'worker') {
        if (out.includes('Worker started')) return;
      } else if (
        await fetch(`${url}/health/live`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await sleep(100);
    }
    throw new Error(`service not ready:\n${out}`);
  })();
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  return { url, ready, stop, logs: () => out };
}

async function scratchEnv() {
  const suffix = `${process.pid}_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
  const url = new URL(BASE_URL);
  url.pathname = `/netorch_bench_${suffix}`;
  return {
    url: url.toString(),
    name: `netorch_bench_${suffix}`,
    prefix: `netorch_bench_${suffix}`,
  };
}

async function dropScratch(scratch) {
  const admin = new Client({ connectionString: BASE_URL });
  await admin.connect();
  await admin
    .query(`DROP DATABASE IF EXISTS "${scratch.name}" WITH (FORCE)`)
    .finally(() => admin.end());
  await clearQueueKeys(scratch.prefix, REDIS_URL);
}

async function createDeployment(api, count, name) {
  const res = await fetch(`${api.url}/deployments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, target_node_count: count }),
  });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return (await res.json()).id;
}

async function waitFinished(db, id, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await db.query(`SELECT finished_at FROM deployments WHERE id = $1`, [id]);
    if (rows[0]?.finished_at) return;
    await sleep(250);
  }
  throw new Error(`deployment ${id} did not finish within ${timeoutMs} ms`);
}

/**
 * A worker logs "Worker started" a few seconds before its queue consumers take their first job
 * (measured: a create right after it waited ~3.5 s, against ~0.3 s on a running worker). The
 * benchmark is about a rollout, not a boot: one 1-node deployment per worker must be admitted
 * before the measured one is created.
 */
async function warmUp(api, db, workers) {
  const ids = [];
  for (let i = 0; i < workers; i++) ids.push(await createDeployment(api, 1, `warm-up-${i}`));
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM nodes WHERE deployment_id = ANY($1) AND state <> 'PENDING'`,
      [ids],
    );
    if (rows[0].n === ids.length) return;
    await sleep(50);
  }
  throw new Error('the workers did not admit the warm-up deployments within 60 s');
}

/** One scenario in a fresh database and queue prefix. */
async function scenario({ scale, workers }) {
  const scratch = await scratchEnv();
  const api = start({ APP_ROLE: 'api' }, scratch);
  await api.ready;
  const ws = Array.from({ length: workers }, () =>
    start({ APP_ROLE: 'worker', SIM_TIME_SCALE: String(scale) }, scratch),
  );
  await Promise.all(ws.map((w) => w.ready));
  const db = new Pool({ connectionString: scratch.url, max: 2 });
  try {
    await warmUp(api, db, workers);
    const xacts = async () =>
      Number(
        (
          await db.query(
            `SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`,
          )
        ).rows[0].xact_commit,
      );
    const xact0 = await xacts();
    const t0 = Date.now();
    const id = await createDeployment(api, NODES, `bench-${scale}-${workers}`);
    const createMs = Date.now() - t0;
    await waitFinished(db, id, 600000);
    const { rows } = await db.query(
      // The create's nodes are due from the start of its transaction but exist for the worker only
      // from its commit; its DEPLOYMENT_CREATED row is written last, just before that commit, so
      // lateness counted from it (late_seen_ms) is still never less than the true lateness.
      `WITH c AS (
         SELECT created_at AS seen FROM events
         WHERE deployment_id = $1 AND type = 'DEPLOYMENT_CREATED'),
       e AS (
         SELECT created_at, from_state,
                extract(epoch FROM created_at - (metadata->>'scheduled_at')::timestamptz) * 1000 AS late_ms,
                extract(epoch FROM created_at - greatest((metadata->>'scheduled_at')::timestamptz,
                                                         (SELECT seen FROM c))) * 1000 AS late_seen_ms
         FROM events WHERE deployment_id = $1 AND type = 'STATE_CHANGE')
       SELECT count(*)::int AS transitions,
              extract(epoch FROM max(created_at) - min(created_at))::float8 AS span_s,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY late_ms) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY late_ms) AS p99,
              max(late_ms) AS max, min(late_ms) AS first,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY late_seen_ms) AS p50_seen,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY late_seen_ms) AS p99_seen,
              max(late_seen_ms) AS max_seen,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY late_ms) FILTER (WHERE from_state <> 'PENDING') AS p99_timed,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY late_ms) FILTER (WHERE from_state = 'PENDING') AS p99_admit,
              extract(epoch FROM max(created_at) FILTER (WHERE from_state = 'PENDING')
                - (SELECT created_at FROM deployments WHERE id = $1)) * 1000 AS admitted_ms
       FROM e`,
      [id],
    );
    // Statistics reach pg_stat_database within about a second of each commit.
    await sleep(1500);
    const commits = (await xacts()) - xact0;
    const r = rows[0];
    if (r.transitions !== NODES * 3)
      throw new Error(`expected ${NODES * 3} transitions, got ${r.transitions}`);
    const rearmed = ws
      .flatMap((w) => w.logs().split('\n'))
      .filter((l) => l.includes('Re-armed')).length;
    const raw = scale === 0 && workers === 1 ? await rawUpdates(scratch.url, id) : null;
    return {
      transitions: r.transitions,
      perSecond: r.transitions / r.span_s,
      p50: Number(r.p50),
      p99: Number(r.p99),
      max: Number(r.max),
      first: Number(r.first),
      p99Timed: Number(r.p99_timed),
      p99Admit: Number(r.p99_admit),
      createMs,
      commits,
      rearmed,
      p50Seen: Number(r.p50_seen),
      p99Seen: Number(r.p99_seen),
      maxSeen: Number(r.max_seen),
      admittedMs: Number(r.admitted_ms),
      raw,
    };
  } finally {
    await db.end();
    await Promise.all([api.stop(), ...ws.map((w) => w.stop())]);
    if (process.argv.includes('--keep')) console.log(`kept database ${scratch.url}`);
    else await dropScratch(scratch);
  }
}

/** The raw limit: one UPDATE per node and round trip, 8 connections, no events, no batching. */
async function rawUpdates(url, deploymentId) {
  const pool = new Pool({ connectionString: url, max: 8 });
  const { rows } = await pool.query(
    `SELECT id FROM nodes WHERE deployment_id = $1 ORDER BY id LIMIT $2`,
    [deploymentId, RAW_ROWS],
  );
  const ids = rows.map((r) => r.id);
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < ids.length) {
        const id = ids[next++];
        await pool.query(
          `UPDATE nodes SET state = 'CONFIGURING', next_step_at = now() + interval '5 seconds',
                  state_changed_at = now(), updated_at = now() WHERE id = $1`,
          [id],
        );
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await pool.end();
  return ids.length / seconds;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs, digits = 0) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

async function main() {
  console.log(`rollout bench: ${NODES} nodes, ${RUNS} runs, dist ${MAIN}`);
  const late = [];
  const one = [];
  const two = [];
  for (let run = 1; run <= RUNS; run++) {
    if (ONLY !== 'throughput') {
      const a = await scenario({ scale: 1, workers: 1 });
      console.log(
        `run ${run} scale=1 1 worker: lateness p50 ${a.p50.toFixed(0)} ms, p99 ${a.p99.toFixed(0)} ms, max ${a.max.toFixed(0)} ms (p99 admission ${a.p99Admit.toFixed(0)} ms, p99 timed steps ${a.p99Timed.toFixed(0)} ms; min ${a.first.toFixed(0)} ms; create request ${a.createMs} ms, last admission ${a.admittedMs.toFixed(0)} ms after the create's start; ${a.commits} PostgreSQL transactions; reconciler re-arms ${a.rearmed})`,
      );
      console.log(
        `run ${run} counted from the create's commit: p50 ${a.p50Seen.toFixed(0)} ms, p99 ${a.p99Seen.toFixed(0)} ms, max ${a.maxSeen.toFixed(0)} ms`,
      );
      late.push(a);
    }
    if (ONLY === 'lateness') continue;
    const b = await scenario({ scale: 0, workers: 1 });
    console.log(
      `run ${run} scale=0 1 worker: ${b.perSecond.toFixed(0)} transitions/s; raw single-row UPDATEs ${b.raw.toFixed(0)}/s; reconciler re-arms ${b.rearmed}`,
    );
    one.push(b);
    const c = await scenario({ scale: 0, workers: 2 });
    console.log(
      `run ${run} scale=0 2 workers: ${c.perSecond.toFixed(0)} transitions/s; reconciler re-arms ${c.rearmed}`,
    );
    two.push(c);
  }
  console.log('\nsummary (median, min–max)');
  if (late.length > 0) {
    console.log(`lateness p50 ms        ${fmt(late.map((a) => a.p50))}`);
    console.log(`lateness p99 ms        ${fmt(late.map((a) => a.p99))}`);
    console.log(`lateness max ms        ${fmt(late.map((a) => a.max))}`);
    console.log(`  p99 admission ms     ${fmt(late.map((a) => a.p99Admit))}`);
    console.log(`  p99 timed steps ms   ${fmt(late.map((a) => a.p99Timed))}`);
    console.log(`  min lateness ms      ${fmt(late.map((a) => a.first))}`);
    console.log(`  create request ms    ${fmt(late.map((a) => a.createMs))}`);
    console.log(`from the create's commit: p50 ms ${fmt(late.map((a) => a.p50Seen))}`);
    console.log(`from the create's commit: p99 ms ${fmt(late.map((a) => a.p99Seen))}`);
    console.log(`from the create's commit: max ms ${fmt(late.map((a) => a.maxSeen))}`);
  }
  if (one.length > 0) {
    const raw = one.map((b) => b.raw);
    console.log(`transitions/s 1 worker ${fmt(one.map((b) => b.perSecond))}`);
    console.log(`transitions/s 2 workers ${fmt(two.map((c) => c.perSecond))}`);
    console.log(`raw single-row UPDATE/s ${fmt(raw)}`);
    console.log(
      `ratio to raw: 1 worker ${fmt(
        one.map((b) => b.perSecond / b.raw),
        2,
      )}, 2 workers ${fmt(
        two.map((c, i) => c.perSecond / raw[i]),
        2,
      )}`,
    );
  }
  console.log(
    `load average ${require('node:os')
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
