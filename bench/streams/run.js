#!/usr/bin/env node
/* global fetch, setTimeout, clearTimeout, URL */
/*
 * GET /deployments/{id} latency and PostgreSQL statements per second with no event stream
 * open, then with N streams open on that deployment. Starts the built API (NETORCH_DIST or
 * dist/; APP_ROLE=api, so nothing else queries PostgreSQL) on a database and queue prefix of its
 * own, with RATE_LIMIT_PER_MINUTE=0 and room for N streams from one address. Loopback only.
 *
 * Each run measures, with and without the streams: an idle window (the deployment renamed once
 * a second, an event every stream must receive) and a wrk window (the same renames while wrk
 * loads GET /deployments/{id}). Statements are counted by pg_stat_database (xact_commit +
 * xact_rollback of the bench database: the service runs every read in autocommit, so one
 * statement is one transaction). Every stream must end each run with every event exactly once.
 *
 *   node bench/streams/run.js [--runs 3] [--streams 1000] [--seconds 10] [--connections 10]
 */
const { spawn, execFileSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { request: httpRequest } = require('node:http');
const { cpus } = require('node:os');
const { Client } = require('pg');
const { arg, median } = require('../scratch');
const { BASE_DB, DIST, endRun, sleep, startApi } = require('../lib/service');
/** The whole benchmark is killed after this long, whatever happens. */
const DEADLINE_MS = 20 * 60_000;

/** One SSE client that only counts the event ids it receives (and whether one came twice). */
function openStream(url) {
  return new Promise((resolve, reject) => {
    const stream = { ids: new Set(), duplicates: 0, status: 0, close: () => {} };
    const req = httpRequest(
      url,
      { agent: false, headers: { accept: 'text/event-stream' } },
      (res) => {
        stream.status = res.statusCode;
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          buffer += chunk;
          const cut = buffer.lastIndexOf('\n');
          if (cut < 0) return;
          for (const line of buffer.slice(0, cut).split('\n')) {
            if (!line.startsWith('id: ')) continue;
            const id = line.slice(4);
            if (stream.ids.has(id)) stream.duplicates++;
            else stream.ids.add(id);
          }
          buffer = buffer.slice(cut + 1);
        });
        res.on('error', () => {});
        resolve(stream);
      },
    );
    req.on('error', reject);
    req.end();
    stream.close = () => req.destroy();
  });
}

async function statements(admin, dbName) {
  const { rows } = await admin.query(
    `SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = $1`,
    [dbName],
  );
  return Number(rows[0].n);
}

function parseWrk(output) {
  const unit = { us: 0.001, ms: 1, s: 1000 };
  const at = (p) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(output);
    if (!m) throw new Error(`wrk printed no ${p}% latency:\n${output}`);
    return Number(m[1]) * unit[m[2]];
  };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (errors) throw new Error(`wrk saw ${errors[1]} failed responses`);
  return { p50: at(50), p99: at(99), rps: Number(rps[1]) };
}

function wrk(url, seconds, connections) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'wrk',
      ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '--timeout', '10s', url],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(parseWrk(out)) : reject(new Error(out))));
  });
}

/** Renames the deployment once a second until stopped: one event for every stream. */
function renamer(api, id) {
  let stop = false;
  let n = 0;
  const done = (async () => {
    while (!stop) {
      const res = await fetch(`${api.url}/deployments/${id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `bench-${n++}` }),
      });
      if (res.status !== 200) throw new Error(`rename failed: ${res.status}`);
      await sleep(1000);
    }
  })();
  return async () => {
    stop = true;
    await done;
  };
}

/**
 * PostgreSQL backends report their counters up to 10 s late (pgstat flushes an idle backend's
 * pending counts after PGSTAT_IDLE_INTERVAL), so every window starts after that long without a
 * change of load, and the loaded window's count is read that long after wrk stopped, less the
 * idle rate for the extra time.
 */
const SETTLE_MS = 11_000;

/** One measurement with the streams as they are: idle statements/s, then under wrk. */
async function measure(api, admin, dbName, id, seconds, connections) {
  const stopRenames = renamer(api, id);
  try {
    await sleep(SETTLE_MS);
    const idle0 = await statements(admin, dbName);
    const t0 = Date.now();
    await sleep(seconds * 1000);
    const idleCount = (await statements(admin, dbName)) - idle0;
    const t1 = Date.now();
    const idle = idleCount / ((t1 - t0) / 1000);
    const w = await wrk(`${api.url}/deployments/${id}`, seconds, connections);
    const t2 = Date.now();
    await sleep(SETTLE_MS);
    const after = (await statements(admin, dbName)) - idle0 - idleCount;
    const t3 = Date.now();
    const loaded = (after - (idle * (t3 - t2)) / 1000) / ((t2 - t1) / 1000);
    return { ...w, idle, loaded };
  } finally {
    await stopRenames();
  }
}

async function eventCount(db, id) {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM events WHERE deployment_id = $1`,
    [id],
  );
  return rows[0].n;
}

async function main() {
  const runs = arg('runs', 3);
  const streamCount = arg('streams', 1000);
  const seconds = arg('seconds', 10);
  const connections = arg('connections', 10);
  const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const dbName = `netorch_bench_streams_${suffix}`;
  const queuePrefix = `netorch_bench_streams_${suffix}`;
  const dbUrl = new URL(BASE_DB);
  dbUrl.pathname = `/${dbName}`;
  const killer = setTimeout(() => {
    console.error(`streams benchmark: still running after ${DEADLINE_MS / 60000} min, giving up`);
    process.exit(2);
  }, DEADLINE_MS);

  const admin = new Client({ connectionString: BASE_DB });
  await admin.connect();
  let api;
  let db;
  const open = [];
  try {
    api = await startApi(dbUrl.toString(), queuePrefix, {
      RATE_LIMIT_PER_MINUTE: '0',
      MAX_EVENT_STREAMS: String(streamCount),
      MAX_EVENT_STREAMS_PER_KEY: '0',
    });
    const res = await fetch(`${api.url}/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', target_node_count: 50 }),
    });
    if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
    const { id } = await res.json();
    db = new Client({ connectionString: dbUrl.toString() });
    await db.connect();
    // Warm-up: JIT, pools, plans.
    await wrk(`${api.url}/deployments/${id}`, 3, connections);

    const results = { none: [], streams: [] };
    for (let r = 0; r < runs; r++) {
      results.none.push(await measure(api, admin, dbName, id, seconds, connections));
      const url = `${api.url}/deployments/${id}/events/stream`;
      for (let i = 0; i < streamCount; i += 100) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(100, streamCount - i) }, () => openStream(url)),
        );
        open.push(...batch);
      }
      const refused = open.filter((s) => s.status !== 200).length;
      if (refused > 0) throw new Error(`${refused} streams were refused`);
      const caughtUp = async () => {
        const n = await eventCount(db, id);
        return open.every((s) => s.ids.size >= n);
      };
      const deadline = Date.now() + 60_000;
      while (!(await caughtUp())) {
        if (Date.now() > deadline) throw new Error('the streams did not catch up within 60 s');
        await sleep(200);
      }
      results.streams.push(await measure(api, admin, dbName, id, seconds, connections));
      await sleep(1500);
      const n = await eventCount(db, id);
      const short = open.filter((s) => s.ids.size !== n).length;
      const twice = open.reduce((sum, s) => sum + s.duplicates, 0);
      if (short > 0 || twice > 0) {
        throw new Error(`${short} streams missed events, ${twice} events came twice`);
      }
      open.splice(0).forEach((s) => s.close());
      await sleep(1000);
      console.log(
        `run ${r + 1}: ${streamCount} streams received all ${n} events exactly once; ` +
          `none ${JSON.stringify(results.none[r])} streams ${JSON.stringify(results.streams[r])}`,
      );
    }

    const pgVersion = (await db.query('SHOW server_version')).rows[0].server_version;
    const load = execFileSync('cat', ['/proc/loadavg']).toString().trim();
    const fmt = (xs, digits = 1) =>
      `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
    const row = (label, rs) =>
      `| ${label} | ${fmt(
        rs.map((x) => x.p50),
        2,
      )} | ${fmt(
        rs.map((x) => x.p99),
        2,
      )} | ` +
      `${fmt(
        rs.map((x) => x.rps),
        0,
      )} | ${fmt(rs.map((x) => x.idle))} | ${fmt(
        rs.map((x) => x.loaded),
        0,
      )} |`;
    console.log(
      [
        '',
        `streams benchmark: ${runs} runs, wrk -t1 -c${connections} -d${seconds}s on GET /deployments/{id} (50 nodes), one rename a second`,
        `build ${DIST}; machine: nproc ${cpus().length}, Node ${process.version}, PostgreSQL ${pgVersion}, ${new Date().toISOString().slice(0, 16)}Z, loadavg ${load}`,
        '| open streams | p50 ms | p99 ms | req/s | PG statements/s idle | PG statements/s under wrk |',
        '|---|---|---|---|---|---|',
        row('0', results.none),
        row(String(streamCount), results.streams),
      ].join('\n'),
    );
  } finally {
    clearTimeout(killer);
    open.forEach((s) => s.close());
    await endRun({ db, children: api ? [api.child] : [], admin, dbName, queuePrefix });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
