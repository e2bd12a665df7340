/* global URL, fetch, setTimeout, performance */
// Trends and correlations at 10,000 nodes x 60 minutes of 5-second samples (7.2M rows):
// p50/p99 of GET /deployments/{id}/trends and /correlations (per-node-minute regression states
// folded by the worker, raw samples for the unfolded edges) next to the plain regr_slope /
// corr SQL over the raw rows, measured in the same run on the same data, interleaved.
//   node bench/trends/trends.bench.js [--nodes 10000] [--minutes 60] [--blocks 5]
// Uses the built service (NETORCH_DIST or dist/: an api and a worker, which folds the minutes),
// its own database and queue prefix, both dropped at the end.
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const { loadavg } = require('node:os');
const { Client } = require('pg');
const { BASE_DB, DIST, dropScratch, stopProcesses, waitLive } = require('../lib/service');

const flag = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const NODES = flag('nodes', 10_000);
const MINUTES = flag('minutes', 60);
const BLOCKS = flag('blocks', 5);
const PER_BLOCK = 3;
const NAME = `netorch_bench_trends_${process.pid}`;
const PORT = 18000 + (process.pid % 1000);
const dbUrl = Object.assign(new URL(BASE_DB), { pathname: `/${NAME}` }).toString();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const p99 = (xs) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(0.99 * xs.length))];

/** The plain SQL over the raw rows that each endpoint answers. */
const RAW_TRENDS = `
  SELECT node_id, regr_slope(latency_ms, x), regr_intercept(latency_ms, x), regr_r2(latency_ms, x), regr_count(latency_ms, x)
  FROM (SELECT node_id, latency_ms, date_part('epoch', "timestamp" - $3::timestamptz) / 60 AS x
        FROM telemetry_samples WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3) s
  GROUP BY node_id`;
const RAW_CORR = `
  SELECT node_id, corr(latency_ms, error_rate), regr_count(latency_ms, error_rate)
  FROM telemetry_samples WHERE deployment_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3
  GROUP BY node_id`;

function start(role, extra = {}) {
  return spawn(process.execPath, [join(DIST, 'main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: dbUrl,
      APP_ROLE: role,
      LOG_LEVEL: 'warn',
      QUEUE_PREFIX: NAME,
      NODE_PATH: join(__dirname, '..', '..', 'node_modules'),
      ...extra,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function main() {
  const admin = new Client({ connectionString: BASE_DB });
  await admin.connect();
  const api = start('api', { PORT: String(PORT) });
  // The worker folds each passed minute (collection slowed to once an hour: the data stays ours).
  const worker = start('worker', { TELEMETRY_INTERVAL_MS: '3600000' });
  const url = `http://127.0.0.1:${PORT}`;
  const db = new Client({ connectionString: dbUrl });
  try {
    await waitLive(url);
    await db.connect();
    const {
      rows: [dep],
    } = await db.query(
      `INSERT INTO deployments (name, target_node_count) VALUES ('bench-trends', $1) RETURNING id`,
      [NODES],
    );
    await db.query(
      `INSERT INTO nodes (deployment_id, seq, node_id, hostname, state)
       SELECT $1::int, g, 'node-' || lpad(g::text, 5, '0'), 'bench-' || g, 'RUNNING'
       FROM generate_series(1, $2) g`,
      [dep.id, NODES],
    );
    // 12 samples a minute per node, a minute per statement in time order as collection writes
    // them: a latency ramp on every tenth node, noise elsewhere; errors follow latency a little.
    const t0 = performance.now();
    for (let m = MINUTES; m > 0; m--) {
      await db.query(
        `INSERT INTO telemetry_samples (deployment_id, node_id, "timestamp", latency_ms, throughput_gbps, error_rate)
         SELECT $1, n.id, now() - $2::int * interval '1 minute' + (k * 5 + n.seq % 5) * interval '1 second',
                v.latency, 8 + random() * 2, v.latency / 100 + random() * 0.1
         FROM generate_series(0, 11) k CROSS JOIN nodes n
         CROSS JOIN LATERAL (SELECT CASE WHEN n.seq % 10 = 0 THEN 10 + 0.3 * ($3::int - $2::int) ELSE 5 END
                                    + random() * 5 AS latency) v
         WHERE n.deployment_id = $1 ORDER BY k, n.id`,
        [dep.id, m, MINUTES],
      );
    }
    const loadMs = performance.now() - t0;
    // Measure once the worker has folded every passed minute.
    for (let i = 0; ; i++) {
      const { rows } = await db.query(
        `SELECT 1 FROM telemetry_prefix_marks
         WHERE deployment_id = $1 AND until >= date_trunc('minute', now() - interval '5 seconds')`,
        [dep.id],
      );
      if (rows.length > 0) break;
      if (i > 6000) throw new Error('the worker did not fold within 10 minutes');
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const table of [
      'telemetry_samples',
      'telemetry_rollups',
      'telemetry_minute_moments',
      'nodes',
    ]) {
      await db.query(`VACUUM ANALYZE ${table}`);
    }
    const times = { trends: [], correlations: [], raw_trends: [], raw_corr: [] };
    const get = async (path, into, counted) => {
      const t = performance.now();
      const res = await fetch(`${url}${path}`);
      const body = await res.json();
      if (res.status !== 200) throw new Error(JSON.stringify(body));
      if (counted) into.push(performance.now() - t);
      return body;
    };
    const raw = async (sql, into, counted) => {
      const to = new Date();
      const from = new Date(to.getTime() - MINUTES * 60_000);
      const t = performance.now();
      await db.query(sql, [dep.id, from, to]);
      if (counted) into.push(performance.now() - t);
    };
    let trends;
    let correlations;
    // Block 0 warms the caches and is not counted.
    for (let block = 0; block <= BLOCKS; block++) {
      const counted = block > 0;
      for (let i = 0; i < PER_BLOCK; i++) {
        trends = await get(
          `/deployments/${dep.id}/trends?window_minutes=${MINUTES}&threshold=50&limit=10`,
          times.trends,
          counted,
        );
        correlations = await get(
          `/deployments/${dep.id}/correlations?window_minutes=${MINUTES}&limit=10`,
          times.correlations,
          counted,
        );
      }
      await raw(RAW_TRENDS, times.raw_trends, counted);
      await raw(RAW_CORR, times.raw_corr, counted);
    }
    const f = (x) => +x.toFixed(1);
    console.error(
      `  ${trends.total} nodes with trends (first: ${trends.trends[0]?.node_identifier} in ${f(trends.trends[0]?.time_to_threshold_minutes ?? NaN)} min), ${correlations.total} with r`,
    );
    console.log(
      JSON.stringify({
        nodes: NODES,
        minutes: MINUTES,
        samples: NODES * MINUTES * 12,
        load_ms: Math.round(loadMs),
        load_avg_1m: +loadavg()[0].toFixed(2),
        runs: times.trends.length,
        trends_p50_ms: f(median(times.trends)),
        trends_p99_ms: f(p99(times.trends)),
        raw_regr_p50_ms: f(median(times.raw_trends)),
        trends_speedup: +(median(times.raw_trends) / median(times.trends)).toFixed(2),
        correlations_p50_ms: f(median(times.correlations)),
        correlations_p99_ms: f(p99(times.correlations)),
        raw_corr_p50_ms: f(median(times.raw_corr)),
        correlations_speedup: +(median(times.raw_corr) / median(times.correlations)).toFixed(2),
      }),
    );
  } finally {
    await db.end().catch(() => undefined);
    await stopProcesses([api, worker]);
    await dropScratch(admin, NAME, NAME);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
