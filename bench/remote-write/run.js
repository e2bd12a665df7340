#!/usr/bin/env node
/* global fetch, URL, Buffer */
/*
 * Remote-write ingest against JSON push, in the same run on one fresh database, interleaved
 * (push, remote write, push, remote write ...) so both meet the same machine load:
 *  - JSON push: POST /deployments/{id}/telemetry, 10,000 samples per request (3 metrics each);
 *  - remote write: POST /deployments/{id}/telemetry/remote-write, snappy protobuf
 *    WriteRequests carrying the same values as series netorch:latency_ms, netorch:throughput_gbps
 *    and netorch:error_rate labelled with node=<hostname>, --rw-points Prometheus samples per
 *    request (one Prometheus sample is one metric of one node at one instant).
 * Rates are netorch samples per second (a node's three metrics at one instant are one sample,
 * one row): the same unit for both paths. Prometheus samples per second are 3 times that.
 * Uses the built service (NETORCH_DIST or dist/), its own database and queue prefix, dropped
 * at the end.
 *
 *   node bench/remote-write/run.js [--runs 3] [--batches 20] [--rw-points 30000] [--concurrency 2]
 */
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
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
  stopProcesses,
  waitLive,
} = require('../lib/service');

const { compress } = require(join(ROOT, 'node_modules', 'snappyjs'));
const { encodeRemoteWrite } = require(
  join(DIST, 'telemetry', 'remote-write', 'remote-write-decode.js'),
);

const NODES = 1000;
const BATCH = 10000;
const RUNS = arg('runs', 3);
const BATCHES = arg('batches', 20);
const RW_POINTS = arg('rw-points', 30000);
const CONCURRENCY = arg('concurrency', 2);

const log = (...parts) => process.stderr.write(`${parts.join(' ')}\n`);

/** Sample i of batch b: its node, instant and three values (the same for both paths). */
function sample(nodes, base, b, i) {
  return {
    node: nodes[i % nodes.length],
    at: base + b * 10000 + Math.floor(i / nodes.length) * 1000,
    latency: 5 + ((i * 7919) % 1000) / 100,
    throughput: 8 + ((i * 104729) % 200) / 100,
    errorRate: ((i * 31) % 50) / 100,
  };
}

function pushBodies(nodes, base) {
  const bodies = [];
  for (let b = 0; b < BATCHES; b++) {
    const samples = [];
    for (let i = 0; i < BATCH; i++) {
      const s = sample(nodes, base, b, i);
      samples.push({
        node_id: s.node.id,
        timestamp: new Date(s.at).toISOString(),
        latency_ms: s.latency,
        throughput_gbps: s.throughput,
        error_rate: s.errorRate,
      });
    }
    bodies.push(JSON.stringify({ samples }));
  }
  return bodies;
}

/** The same samples as WriteRequests of RW_POINTS Prometheus samples each. */
function remoteWriteBodies(nodes, base) {
  const points = [];
  for (let b = 0; b < BATCHES; b++) {
    for (let i = 0; i < BATCH; i++) {
      const s = sample(nodes, base, b, i);
      points.push(['netorch:latency_ms', s.node.hostname, s.latency, s.at]);
      points.push(['netorch:throughput_gbps', s.node.hostname, s.throughput, s.at]);
      points.push(['netorch:error_rate', s.node.hostname, s.errorRate, s.at]);
    }
  }
  const bodies = [];
  for (let from = 0; from < points.length; from += RW_POINTS) {
    // Series as a sender groups them: one per (metric, node), its samples in time order.
    const series = new Map();
    for (const [name, node, value, timestamp] of points.slice(from, from + RW_POINTS)) {
      const key = `${name} ${node}`;
      if (!series.has(key)) {
        series.set(key, {
          labels: [
            { name: '__name__', value: name },
            { name: 'job', value: 'fabric' },
            { name: 'node', value: node },
          ],
          samples: [],
        });
      }
      series.get(key).samples.push({ value, timestamp });
    }
    bodies.push(Buffer.from(compress(encodeRemoteWrite([...series.values()]))));
  }
  return bodies;
}

/** Sends every body, CONCURRENCY in flight; netorch samples per second. */
async function send(bodies, request, samples) {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) await request(bodies[next++]);
    }),
  );
  return samples / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function main() {
  const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const name = `netorch_bench_rw_${suffix}`;
  const url = new URL(BASE_DB);
  url.pathname = `/${name}`;
  const port = await freePort();
  const api = spawn(process.execPath, [join(DIST, 'main.js')], {
    env: {
      ...process.env,
      NODE_PATH: join(ROOT, 'node_modules'),
      APP_ROLE: 'api',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: url.toString(),
      REDIS_URL,
      QUEUE_PREFIX: name,
      API_KEYS: '',
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  const admin = new Client({ connectionString: BASE_DB });
  await admin.connect();
  const db = new Client({ connectionString: url.toString() });
  try {
    await waitLive(base);
    await db.connect();
    const res = await fetch(`${base}/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', target_node_count: NODES }),
    });
    const { id } = await res.json();
    const { rows: nodes } = await db.query(
      `SELECT id, hostname FROM nodes WHERE deployment_id = $1 ORDER BY seq`,
      [id],
    );
    log(
      `nproc ${cpus().length}, Node ${process.version}, ${new Date().toISOString()}, load ${loadavg()
        .map((l) => l.toFixed(1))
        .join(
          ' ',
        )}; ${BATCHES} batches of ${BATCH} samples, remote write ${RW_POINTS} points per request, ${CONCURRENCY} in flight`,
    );
    const total = BATCHES * BATCH;
    const runs = [];
    for (let r = 0; r < RUNS; r++) {
      // Each run and path writes its own instants, within the accepted window.
      const pushRate = await send(
        pushBodies(nodes, Date.now() - 3_000_000 + r * 600_000),
        async (body) => {
          const res = await fetch(`${base}/deployments/${id}/telemetry`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          if (res.status !== 202)
            throw new Error(`push answered ${res.status}: ${await res.text()}`);
        },
        total,
      );
      const rwRate = await send(
        remoteWriteBodies(nodes, Date.now() - 2_700_000 + r * 600_000),
        async (body) => {
          const res = await fetch(`${base}/deployments/${id}/telemetry/remote-write`, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-protobuf',
              'content-encoding': 'snappy',
              'x-prometheus-remote-write-version': '0.1.0',
            },
            body,
          });
          if (res.status !== 204)
            throw new Error(`remote write answered ${res.status}: ${await res.text()}`);
          if (res.headers.get('x-netorch-samples-unmatched') !== '0')
            throw new Error('unmatched samples');
        },
        total,
      );
      log(
        `run ${r + 1}/${RUNS}: push ${Math.round(pushRate)} samples/s, remote write ${Math.round(rwRate)} samples/s (${(rwRate / pushRate).toFixed(2)}x)`,
      );
      runs.push({ push: pushRate, remote_write: rwRate, ratio: rwRate / pushRate });
    }
    // Every metric value arrived once (a node's metrics split over two requests make two rows).
    const { rows: stored } = await db.query(
      `SELECT (count(latency_ms) + count(throughput_gbps) + count(error_rate))::int AS n
       FROM telemetry_samples WHERE deployment_id = $1`,
      [id],
    );
    if (stored[0].n !== 3 * 2 * RUNS * total) {
      throw new Error(`stored ${stored[0].n} metric values, expected ${3 * 2 * RUNS * total}`);
    }
    const fmt = (xs, digits = 0) =>
      `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
    process.stdout.write(
      `${JSON.stringify(
        {
          machine: { nproc: cpus().length, node: process.version, load_end: loadavg() },
          runs,
          push_samples_per_s: fmt(runs.map((r) => r.push)),
          remote_write_samples_per_s: fmt(runs.map((r) => r.remote_write)),
          remote_write_prometheus_samples_per_s: fmt(runs.map((r) => 3 * r.remote_write)),
          ratio_remote_write_to_push: fmt(
            runs.map((r) => r.ratio),
            2,
          ),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await db.end().catch(() => undefined);
    await stopProcesses([api]);
    await dropScratch(admin, name, name);
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
