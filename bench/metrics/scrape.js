#!/usr/bin/env node
/* global fetch, URL */
/*
 * GET /metrics on a large fleet, against the raw limit: the same fleet query run straight on
 * PostgreSQL. Starts the built API (NETORCH_DIST or dist/) on its own database and queue
 * prefix, creates the fleet through the API, measures, then drops everything it created.
 *
 *   node bench/metrics/scrape.js [--nodes 100000] [--runs 5] [--scrapes 20]
 */
const { execFileSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { cpus } = require('node:os');
const { Client } = require('pg');
const { arg, median } = require('../scratch');
const { BASE_DB, endRun, startApi } = require('../lib/service');

const PER_DEPLOYMENT = 10000;

// The statements MetricsService runs at every scrape (src/metrics/metrics.service.ts).
const FLEET_SQL = `SELECT d.id, ${['pending', 'provisioning', 'configuring', 'running', 'failed']
  .map((s) => `COALESCE(sum(c.${s}), 0)::int AS state_${s}`)
  .join(', ')}
  FROM deployments d LEFT JOIN node_state_counts c ON c.deployment_id = d.id
  GROUP BY d.id`;
const SEQUENCE_SQL = `SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS written
  FROM telemetry_samples_id_seq`;

async function timeIt(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function main() {
  const nodes = arg('nodes', 100000);
  const runs = arg('runs', 5);
  const scrapes = arg('scrapes', 20);
  const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const dbName = `netorch_bench_metrics_${suffix}`;
  const queuePrefix = `netorch_bench_metrics_${suffix}`;
  const dbUrl = new URL(BASE_DB);
  dbUrl.pathname = `/${dbName}`;

  const admin = new Client({ connectionString: BASE_DB });
  await admin.connect();
  let api;
  let db;
  try {
    api = await startApi(dbUrl.toString(), queuePrefix);
    for (let left = nodes, i = 0; left > 0; left -= PER_DEPLOYMENT, i += 1) {
      const res = await fetch(`${api.url}/deployments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: `bench-${i}`,
          target_node_count: Math.min(left, PER_DEPLOYMENT),
        }),
      });
      if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
    }
    db = new Client({ connectionString: dbUrl.toString() });
    await db.connect();
    await db.query('ANALYZE nodes');
    await db.query('ANALYZE deployments');
    const scrape = async () => {
      const res = await fetch(`${api.url}/metrics`);
      const body = await res.text();
      if (!res.ok || !body.includes('netorch_nodes{state="PENDING"}')) {
        throw new Error(`bad scrape: ${res.status}`);
      }
    };
    const raw = async () => {
      await Promise.all([db.query(FLEET_SQL), db.query(SEQUENCE_SQL)]);
    };
    await scrape();
    await raw();

    const scrapeRuns = [];
    const rawRuns = [];
    for (let r = 0; r < runs; r += 1) {
      const s = [];
      const q = [];
      for (let i = 0; i < scrapes; i += 1) {
        s.push(await timeIt(scrape));
        q.push(await timeIt(raw));
      }
      scrapeRuns.push(median(s));
      rawRuns.push(median(q));
    }
    const pgVersion = (await db.query('SHOW server_version')).rows[0].server_version;
    const fmt = (xs) =>
      `${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;
    const ratios = scrapeRuns.map((s, i) => s / rawRuns[i]);
    const load = execFileSync('cat', ['/proc/loadavg']).toString().trim();
    console.log(
      [
        `metrics scrape: ${nodes} nodes in ${Math.ceil(nodes / PER_DEPLOYMENT)} deployments, ${runs} runs x ${scrapes} scrapes (median per run)`,
        `machine: nproc ${cpus().length}, Node ${process.version}, PostgreSQL ${pgVersion}, ${new Date().toISOString().slice(0, 10)}, loadavg ${load}`,
        `GET /metrics        median ${fmt(scrapeRuns)}`,
        `raw fleet SQL (pg)  median ${fmt(rawRuns)}`,
        `ratio scrape/raw    median ${median(ratios).toFixed(2)} (min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)})`,
      ].join('\n'),
    );
  } finally {
    await endRun({ db, children: api ? [api.child] : [], admin, dbName, queuePrefix });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
