#!/usr/bin/env node
/* global fetch, URL */
/*
 * Telemetry write paths against the raw limit, in one run on one fresh database:
 *  (a) raw: COPY of generated rows into telemetry_samples from this plain script (one stream),
 *  (b) collection through the real worker: the most RUNNING nodes one worker process keeps at
 *      a 5 s interval with no skipped tick (every tick stores one sample per node) over --ticks
 *      ticks after one warm-up tick, found by stepping the fleet up or down from --start; plus
 *      its write rate while a tick is stored (nodes / median time from tick to last shard),
 *  (c) device push through HTTP (the API process) in 10,000-sample batches.
 * Every path writes through the same table and its triggers (the rollup trigger included).
 * Uses the built service (NETORCH_DIST or dist/), its own database and queue prefix, and drops
 * both at the end.
 *
 *   node bench/telemetry/run.js [--runs 3] [--copy-rows 300000] [--start 250000] [--step 50000]
 *     [--max 600000] [--ticks 5] [--push-batches 30] [--push-concurrency 2]
 */
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { cpus, loadavg } = require('node:os');
const { join } = require('node:path');
const { Readable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const { Client } = require('pg');
const { from: copyFrom } = require('pg-copy-streams');
const Redis = require('ioredis');
const { arg, freePort, median } = require('../scratch');
const { BASE_DB, DIST, REDIS_URL, dropScratch, serviceEnv, sleep } = require('../lib/service');

const { fillSamples } = require(join(DIST, 'simulation', 'telemetry-generator.js'));
const { PARTITIONED_TABLES } = require(join(DIST, 'store', 'telemetry-partitions.js'));

const PER_DEPLOYMENT = 10000;
const BATCH = 10000;
const INTERVAL_MS = 5000;

const RUNS = arg('runs', 3);
const COPY_ROWS = arg('copy-rows', 300000);
const START = arg('start', 250000);
const STEP = arg('step', 50000);
const MAX = arg('max', 600000);
const TICKS = arg('ticks', 5);
const PUSH_BATCHES = arg('push-batches', 30);
const PUSH_CONCURRENCY = arg('push-concurrency', 2);

const log = (...parts) => process.stderr.write(`${parts.join(' ')}\n`);

function startService(role, env) {
  return (async () => {
    const port = await freePort();
    let output = '';
    const child = spawn(process.execPath, [join(DIST, 'main.js')], {
      env: serviceEnv({
        APP_ROLE: role,
        PORT: String(port),
        LOG_LEVEL: 'info',
        TELEMETRY_INTERVAL_MS: String(INTERVAL_MS),
        ...env,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk) => {
      output = (output + chunk.toString()).slice(-20000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 90000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${role} exited:\n${output}`);
      const ready =
        role === 'worker'
          ? output.includes('Worker started')
          : await fetch(`${url}/health/live`)
              .then((r) => r.ok)
              .catch(() => false);
      if (ready) {
        const stop = () =>
          new Promise((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', resolve);
            child.kill('SIGTERM');
          });
        return { url, child, stop };
      }
      await sleep(100);
    }
    child.kill('SIGKILL');
    throw new Error(`${role} did not start within 90 s:\n${output}`);
  })();
}

/**
 * Makes exactly `total` nodes RUNNING (whole deployments of 10,000, oldest first), adding
 * deployments as needed; the rest are FAILED, which collection ignores.
 */
async function setFleet(db, total) {
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM nodes`);
  for (let have = rows[0].n; have < total; have += PER_DEPLOYMENT) {
    const { rows: d } = await db.query(
      `INSERT INTO deployments (name, target_node_count, started_at)
       VALUES ('bench', $1, now()) RETURNING id`,
      [PER_DEPLOYMENT],
    );
    await db.query(
      `INSERT INTO nodes (deployment_id, seq, node_id, state, hostname, state_changed_at)
       SELECT $1::int, g, 'node-' || lpad(g::text, greatest(3, length(g::text)), '0'), 'FAILED',
              'bench-' || $1::int || '-' || g, now()
       FROM generate_series(1, $2) g`,
      [d[0].id, PER_DEPLOYMENT],
    );
  }
  const { rows: ids } = await db.query(`SELECT id FROM deployments ORDER BY id`);
  const last = ids[Math.ceil(total / PER_DEPLOYMENT) - 1].id;
  await db.query(
    `UPDATE nodes SET state = CASE WHEN deployment_id <= $1 THEN 'RUNNING' ELSE 'FAILED' END
     WHERE state <> CASE WHEN deployment_id <= $1 THEN 'RUNNING' ELSE 'FAILED' END`,
    [last],
  );
  await db.query(`VACUUM ANALYZE nodes`);
}

/**
 * Empties the telemetry tables, taking the locks in the order a shard writer does (marker, then
 * samples, whose trigger writes the rollups), so it waits for writers. The running-sum fold
 * takes them in another order (its sums, then the samples it reads), so a clash with a fold is
 * possible: PostgreSQL then cancels one side, and this tries again.
 */
async function truncate(db) {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.query('BEGIN');
      await db.query(
        'LOCK TABLE telemetry_shard_ticks, telemetry_samples IN ACCESS EXCLUSIVE MODE',
      );
      await db.query(`TRUNCATE ${PARTITIONED_TABLES.join(', ')}, telemetry_shard_ticks`);
      await db.query('COMMIT');
      return;
    } catch (error) {
      await db.query('ROLLBACK');
      if (error.code !== '40P01' || attempt >= 5) throw error;
    }
  }
}

/** (a) COPY of generated rows, 10,000 per statement, timed from generation to commit. */
async function rawCopy(db) {
  const { rows } = await db.query(
    `SELECT id, seq, deployment_id FROM nodes WHERE deployment_id = (SELECT min(id) FROM deployments) ORDER BY seq`,
  );
  const ids = Int32Array.from(rows.map((r) => r.id));
  const seqs = Int32Array.from(rows.map((r) => r.seq));
  const deploymentId = rows[0].deployment_id;
  const out = {
    latency: new Float64Array(ids.length),
    throughput: new Float64Array(ids.length),
    errorRate: new Float64Array(ids.length),
  };
  const batches = Math.ceil(COPY_ROWS / BATCH);
  const base = Date.now() - 2 * 3600000;
  await db.query('CHECKPOINT');
  const started = process.hrtime.bigint();
  for (let b = 0; b < batches; b++) {
    const at = base + b * INTERVAL_MS;
    fillSamples(ids, seqs, at, out);
    const ts = new Date(at).toISOString();
    const lines = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      lines[i] =
        `${deploymentId}\t${ids[i]}\t${ts}\t${out.latency[i]}\t${out.throughput[i]}\t${out.errorRate[i]}\n`;
    }
    await pipeline(
      Readable.from([lines.join('')]),
      db.query(
        copyFrom(
          `COPY telemetry_samples (deployment_id, node_id, "timestamp", latency_ms, throughput_gbps, error_rate) FROM STDIN`,
        ),
      ),
    );
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return (batches * ids.length) / seconds;
}

/** (c) POST 10,000-sample batches to the API, PUSH_CONCURRENCY requests in flight. */
async function push(db, api) {
  const { rows } = await db.query(
    `SELECT id, deployment_id FROM nodes WHERE deployment_id = (SELECT min(id) FROM deployments) ORDER BY seq`,
  );
  const deploymentId = rows[0].deployment_id;
  const base = Date.now() - 3600000;
  const bodies = [];
  for (let b = 0; b < PUSH_BATCHES; b++) {
    const samples = new Array(BATCH);
    for (let i = 0; i < BATCH; i++) {
      samples[i] = {
        node_id: rows[i % rows.length].id,
        timestamp: new Date(base + b * 1000 + (i % 1000)).toISOString(),
        latency_ms: 5 + ((i * 7919) % 1000) / 100,
        throughput_gbps: 8 + ((i * 104729) % 200) / 100,
        error_rate: ((i * 31) % 50) / 100,
      };
    }
    bodies.push(JSON.stringify({ samples }));
  }
  await db.query('CHECKPOINT');
  let next = 0;
  let accepted = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: PUSH_CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const res = await fetch(`${api.url}/deployments/${deploymentId}/telemetry`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        if (res.status !== 202) throw new Error(`push answered ${res.status}: ${await res.text()}`);
        accepted += (await res.json()).accepted;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (accepted !== PUSH_BATCHES * BATCH) throw new Error(`accepted ${accepted}`);
  return accepted / seconds;
}

/**
 * (b) One trial: TICKS ticks with `nodes` RUNNING. Passes when no tick was skipped and every
 * tick stored exactly one sample per node. Returns the write rate while ticks were stored.
 */
async function trial(db, redis, statsKey, nodes) {
  await setFleet(db, nodes);
  await truncate(db);
  const readStats = async () => redis.hgetall(statsKey);
  // Steady state: measure from the second tick that saw the whole new fleet, so the first one
  // (cold caches after the fleet change) and any tick still stamped before it do not count.
  const nextTick = async () => {
    const start = (await readStats()).last_tick_at;
    while ((await readStats()).last_tick_at === start) await sleep(100);
  };
  await nextTick();
  await nextTick();
  const from = Number((await readStats()).last_tick_at);
  const skippedBefore = Number((await readStats()).skipped_ticks ?? 0);
  const durations = new Map();
  const until = from + (TICKS + 1) * INTERVAL_MS + 1500;
  while (Date.now() < until) {
    const s = await readStats();
    if (s.last_completed_tick_at && Number(s.last_completed_tick_at) > from) {
      durations.set(Number(s.last_completed_tick_at), Number(s.last_tick_duration_ms));
    }
    await sleep(200);
  }
  const skipped = Number((await readStats()).skipped_ticks ?? 0) - skippedBefore;
  const { rows } = await db.query(
    `SELECT extract(epoch FROM "timestamp") * 1000 AS t, count(*)::int AS n
     FROM telemetry_samples WHERE "timestamp" > $1 AND "timestamp" <= $2 GROUP BY 1 ORDER BY 1`,
    [new Date(from), new Date(from + TICKS * INTERVAL_MS)],
  );
  const complete = rows.filter((r) => r.n === nodes).length;
  const ok = skipped === 0 && rows.length === TICKS && complete === TICKS;
  const tickMs = [...durations.values()];
  const rate = tickMs.length ? nodes / (median(tickMs) / 1000) : 0;
  log(
    `  (b) ${nodes} nodes: ${ok ? 'kept' : 'NOT kept'} (skipped ${skipped}, ticks ${rows.length}/${TICKS}, complete ${complete}), tick ${tickMs.join('/')} ms, ${Math.round(rate)} samples/s while writing`,
  );
  return { ok, rate, tickMs: median(tickMs) };
}

async function oneRun(run) {
  const suffix = `${process.pid}_${run}_${randomBytes(3).toString('hex')}`;
  const name = `netorch_bench_telemetry_${suffix}`;
  const url = new URL(BASE_DB);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const prefix = `netorch_bench_telemetry_${suffix}`;
  const env = { DATABASE_URL: databaseUrl, QUEUE_PREFIX: prefix };
  const admin = new Client({ connectionString: BASE_DB });
  await admin.connect();
  let api;
  let worker;
  const db = new Client({ connectionString: databaseUrl });
  const redis = new Redis(REDIS_URL);
  try {
    api = await startService('api', env);
    await db.connect();
    await setFleet(db, PER_DEPLOYMENT);
    const copy = await rawCopy(db);
    log(`  (a) COPY ${Math.round(copy)} rows/s`);
    await truncate(db);
    const pushRate = await push(db, api);
    log(`  (c) push ${Math.round(pushRate)} samples/s`);
    await truncate(db);
    worker = await startService('worker', env);
    const statsKey = `${prefix}:telemetry:netorch-stats`;
    // Up from START while kept, or down from it until kept: the largest kept size, STEP apart.
    let kept = 0;
    let keptRate = 0;
    let keptTick = 0;
    let nodes = START;
    let direction = 0;
    while (nodes >= STEP && nodes <= MAX) {
      const t = await trial(db, redis, statsKey, nodes);
      if (t.ok) {
        kept = nodes;
        keptRate = t.rate;
        keptTick = t.tickMs;
      }
      if (direction === 0) direction = t.ok ? 1 : -1;
      if ((direction === 1 && !t.ok) || (direction === -1 && t.ok)) break;
      nodes += direction * STEP;
    }
    return { copy, push: pushRate, kept, keptRate, keptTick };
  } finally {
    await worker?.stop();
    await api?.stop();
    await db.end().catch(() => {});
    redis.disconnect();
    await dropScratch(admin, name, prefix);
  }
}

async function main() {
  const meta = new Client({ connectionString: BASE_DB });
  await meta.connect();
  const pg = (await meta.query('SHOW server_version')).rows[0].server_version;
  await meta.end();
  log(
    `nproc ${cpus().length}, Node ${process.version}, PostgreSQL ${pg}, ${new Date().toISOString()}, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const runs = [];
  for (let r = 1; r <= RUNS; r++) {
    log(`run ${r}/${RUNS}`);
    runs.push(await oneRun(r));
  }
  const fmt = (xs, digits = 0) =>
    `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
  const result = {
    machine: { nproc: cpus().length, node: process.version, postgres: pg, load_end: loadavg() },
    runs,
    copy_rows_per_s: fmt(runs.map((r) => r.copy)),
    worker_nodes_kept_at_5s: fmt(runs.map((r) => r.kept)),
    worker_samples_per_s_sustained: fmt(runs.map((r) => r.kept / (INTERVAL_MS / 1000))),
    worker_samples_per_s_while_writing: fmt(runs.map((r) => r.keptRate)),
    worker_tick_ms: fmt(runs.map((r) => r.keptTick)),
    push_samples_per_s: fmt(runs.map((r) => r.push)),
    ratio_worker_writing_to_copy: fmt(
      runs.map((r) => r.keptRate / r.copy),
      2,
    ),
    ratio_push_to_copy: fmt(
      runs.map((r) => r.push / r.copy),
      2,
    ),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
