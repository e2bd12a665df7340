/* global URL, fetch, setTimeout, performance */
// Bottleneck detection at 1,000 and 10,000 nodes x 120 samples in a 10-minute window:
// p50/p99 of GET /deployments/{id}/bottlenecks (rollups) next to the seed's plain SQL aggregate
// over the raw samples, measured in the same run on the same data. With --fabric, a leaf-spine
// fabric of the same size and samples (16 spines and 4 border leaves per 10,000 nodes, at least
// 1 of each, with every link) is loaded beside it, and each block of requests to the flat deployment is followed
// by one to the fabric with peer_group=role and one with peer_group=deployment.
// With --fresh, the case of data just pushed: no worker runs, so nothing is folded (the window's
// whole minutes come from minute rollups, its leading minute from raw samples) and requests
// start right after the load, without a VACUUM: what a dashboard sees after a burst of pushes.
//   node bench/analytics/bottlenecks.bench.js [--nodes 1000,10000] [--requests 40] [--fabric]
//     [--fresh] [--keep]
// Uses the built service (NETORCH_DIST or dist/: an api and, unless --fresh, a worker, which
// folds the running sums), its own database and queue prefix, both dropped at the end (--keep
// leaves the database for EXPLAIN ANALYZE and prints its name).
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const { loadavg } = require('node:os');
const { Client } = require('pg');
const { BASE_DB: BASE, DIST, dropScratch, stopProcesses, waitLive } = require('../lib/service');

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .reduce((a, v, i, all) => (v.startsWith('--') ? [...a, [v.slice(2), all[i + 1]]] : a), []),
);
const SIZES = (args.nodes ?? '1000,10000').split(',').map(Number);
const FABRIC = process.argv.includes('--fabric');
const FRESH = process.argv.includes('--fresh');
const KEEP = process.argv.includes('--keep');
const REQUESTS = Number(args.requests ?? 40);
const BLOCK = 5;
const NAME = `netorch_bench_analytics_${process.pid}`;
const dbUrl = (() => {
  const u = new URL(BASE);
  u.pathname = `/${NAME}`;
  return u.toString();
})();
const PORT = 18000 + (process.pid % 1000);

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const stats = (ms) => {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: pct(s, 50), p99: pct(s, 99) };
};

const RAW_SQL = `
  SELECT s.node_id, min(n.node_id) AS node_identifier, count(*)::int AS n,
         avg(s.latency_ms), avg(s.throughput_gbps), avg(s.error_rate),
         stddev_samp(s.latency_ms), stddev_samp(s.throughput_gbps), stddev_samp(s.error_rate),
         max(s."timestamp")
  FROM telemetry_samples s JOIN nodes n ON n.id = s.node_id
  WHERE s.deployment_id = $1 AND s."timestamp" >= $2 AND s."timestamp" <= $3
  GROUP BY GROUPING SETS ((s.node_id), ())`;

async function main() {
  const admin = new Client({ connectionString: BASE });
  await admin.connect();
  const service = spawn(process.execPath, [join(DIST, 'main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: dbUrl,
      APP_ROLE: 'api',
      PORT: String(PORT),
      LOG_LEVEL: 'warn',
      QUEUE_PREFIX: NAME,
      // A build outside the repo (NETORCH_DIST) still finds the repo's packages.
      NODE_PATH: join(__dirname, '..', '..', 'node_modules'),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // A worker folds the hourly running sums, as in any deployment of the service; collection is
  // slowed to once an hour so the measured data stays the loaded data.
  const worker = FRESH
    ? null
    : spawn(process.execPath, [join(DIST, 'main.js')], {
        env: {
          ...process.env,
          DATABASE_URL: dbUrl,
          APP_ROLE: 'worker',
          LOG_LEVEL: 'warn',
          QUEUE_PREFIX: NAME,
          TELEMETRY_INTERVAL_MS: '3600000',
          NODE_PATH: join(__dirname, '..', '..', 'node_modules'),
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
  const url = `http://127.0.0.1:${PORT}`;
  const db = new Client({ connectionString: dbUrl });
  try {
    await waitLive(url);
    await db.connect();
    const out = [];
    // 120 samples per node over the last 10 minutes, written tick by tick (time order), as
    // collection writes them; 20% slow nodes as in the seed. The rollup trigger runs as usual.
    // Spines report four times a leaf's throughput and 4 ms more latency, border leaves twice.
    const load = (id) =>
      db.query(
        `INSERT INTO telemetry_samples (deployment_id, node_id, "timestamp", latency_ms, throughput_gbps, error_rate)
         SELECT $1, n.id, now() - interval '10 minutes' + (k * 5 + n.seq % 5) * interval '1 second',
                CASE WHEN n.seq % 10 >= 8 THEN 50 + random() * 40 ELSE 5 + random() * 10 END
                  + CASE WHEN n.role = 'spine' THEN 4 ELSE 0 END,
                (CASE WHEN n.seq % 10 >= 8 THEN 2 + random() * 3 ELSE 8 + random() * 2 END)
                  * CASE n.role WHEN 'spine' THEN 4 WHEN 'border-leaf' THEN 2 ELSE 1 END,
                CASE WHEN n.seq % 10 >= 8 THEN 1 + random() ELSE random() * 0.5 END
         FROM generate_series(0, 119) k CROSS JOIN nodes n WHERE n.deployment_id = $1
         ORDER BY k, n.id`,
        [id],
      );
    for (const size of SIZES) {
      const {
        rows: [dep],
      } = await db.query(
        `INSERT INTO deployments (name, target_node_count) VALUES ('bench', $1) RETURNING id`,
        [size],
      );
      await db.query(
        `INSERT INTO nodes (deployment_id, seq, node_id, hostname, state)
         SELECT $1::int, g, 'node-' || lpad(g::text, 5, '0'), 'bench-' || $1::int || '-' || g, 'RUNNING'
         FROM generate_series(1, $2) g`,
        [dep.id, size],
      );
      let fabric = null;
      if (FABRIC) {
        const spines = Math.max(1, Math.round((size * 16) / 10000));
        const borderLeaves = Math.max(1, Math.round((size * 4) / 10000));
        const {
          rows: [created],
        } = await db.query(
          `INSERT INTO deployments (name, target_node_count, spine_count, leaf_count, border_leaf_count)
           VALUES ('bench-fabric', $1, $2, $3, $4) RETURNING id`,
          [size, spines, size - spines - borderLeaves, borderLeaves],
        );
        fabric = created;
        await db.query(
          `INSERT INTO nodes (deployment_id, seq, node_id, hostname, state, role)
           SELECT $1::int, g, 'node-' || lpad(g::text, 5, '0'), 'bench-' || $1::int || '-' || g, 'RUNNING',
                  CASE WHEN g <= $3 THEN 'spine' WHEN g <= $3 + $4 THEN 'border-leaf' ELSE 'leaf' END
           FROM generate_series(1, $2) g`,
          [fabric.id, size, spines, borderLeaves],
        );
        // Every leaf and border leaf linked to every spine, as a create writes them.
        await db.query(
          `INSERT INTO links (deployment_id, a_node_id, a_port, a_interface, b_node_id, b_port, b_interface)
           SELECT $1, s.id, l.seq - $2, 'Ethernet1/' || (l.seq - $2), l.id, 48 + s.seq, 'Ethernet1/' || (48 + s.seq)
           FROM nodes s JOIN nodes l ON l.deployment_id = s.deployment_id AND l.role <> 'spine'
           WHERE s.deployment_id = $1 AND s.role = 'spine'
           ORDER BY l.seq, s.seq`,
          [fabric.id, spines],
        );
      }
      const t0 = performance.now();
      await load(dep.id);
      const loadMs = performance.now() - t0;
      if (fabric) await load(fabric.id);
      // Measure once the worker has folded every passed minute of the window (fresh: at once).
      for (const id of FRESH ? [] : fabric ? [dep.id, fabric.id] : [dep.id]) {
        for (let i = 0; ; i++) {
          const { rows } = await db.query(
            `SELECT 1 FROM telemetry_prefix_marks
             WHERE deployment_id = $1 AND until >= date_trunc('minute', now() - interval '5 seconds')`,
            [id],
          );
          if (rows.length > 0) break;
          if (i > 600) throw new Error('the worker did not fold the running sums within 60 s');
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      // Vacuumed as autovacuum would leave data that arrived over ten minutes; otherwise it
      // starts on the bulk load in the middle of the measurement (measured: the first ~10
      // requests of a run 1.5x slower while it ran).
      for (const table of FRESH
        ? []
        : ['telemetry_samples', 'telemetry_rollups', 'telemetry_prefix_sums', 'nodes']) {
        await db.query(`VACUUM ANALYZE ${table}`);
      }
      const api = [];
      const raw = [];
      const rawNoJit = [];
      const byRole = [];
      const byDeployment = [];
      let fabricBody;
      const timed = async (path, into, block) => {
        const t = performance.now();
        const res = await fetch(`${url}${path}`);
        const json = await res.json();
        if (res.status !== 200) throw new Error(JSON.stringify(json));
        if (block > 0) into.push(performance.now() - t);
        return json;
      };
      // Blocks of BLOCK requests back to back, as a dashboard polls, each block followed by the
      // raw aggregate with and without JIT, twice: both are measured across the whole run, and
      // the 1.2M-row scan of the raw aggregate precedes one request in BLOCK, not every one.
      // The first block and raw pair warm the caches and are not counted.
      let body;
      for (let block = 0; block <= Math.ceil(REQUESTS / BLOCK); block++) {
        for (let i = 0; i < BLOCK; i++) {
          const t = performance.now();
          const res = await fetch(
            `${url}/deployments/${dep.id}/bottlenecks?analysis_window_minutes=10`,
          );
          body = await res.json();
          if (res.status !== 200) throw new Error(JSON.stringify(body));
          if (block > 0) api.push(performance.now() - t);
        }
        if (fabric) {
          const path = `/deployments/${fabric.id}/bottlenecks?analysis_window_minutes=10`;
          for (let i = 0; i < BLOCK; i++) {
            fabricBody = await timed(`${path}&peer_group=role`, byRole, block);
          }
          for (let i = 0; i < BLOCK; i++) {
            await timed(`${path}&peer_group=deployment`, byDeployment, block);
          }
        }
        for (let k = 0; k < 2; k++) {
          const to = new Date();
          const from = new Date(to.getTime() - 600_000);
          let t = performance.now();
          await db.query(RAW_SQL, [dep.id, from, to]);
          if (block > 0) raw.push(performance.now() - t);
          await db.query('SET jit = off');
          t = performance.now();
          await db.query(RAW_SQL, [dep.id, from, to]);
          if (block > 0) rawNoJit.push(performance.now() - t);
          await db.query('RESET jit');
        }
      }
      console.error(
        `  ${size} nodes: ${body.nodes_analyzed} analysed, ${body.samples_analyzed} samples, ${body.total_bottlenecks} bottlenecks`,
      );
      if (fabricBody) {
        console.error(
          `  ${size} nodes, fabric by role: ${fabricBody.nodes_analyzed} analysed, ${fabricBody.total_bottlenecks} bottlenecks, peer groups ${Object.keys(fabricBody.baselines).join(', ')}`,
        );
      }
      const a = stats(api);
      const r = stats(raw);
      const rn = stats(rawNoJit);
      const fr = fabric ? stats(byRole) : null;
      const fd = fabric ? stats(byDeployment) : null;
      out.push({
        nodes: size,
        fresh: FRESH,
        // Other processes share the two cores: say how busy they were while this size ran.
        load_avg_1m: +loadavg()[0].toFixed(2),
        samples: size * 120,
        load_ms: Math.round(loadMs),
        api_p50_ms: +a.p50.toFixed(1),
        api_p99_ms: +a.p99.toFixed(1),
        raw_sql_p50_ms: +r.p50.toFixed(1),
        raw_sql_p99_ms: +r.p99.toFixed(1),
        raw_sql_nojit_p50_ms: +rn.p50.toFixed(1),
        speedup_vs_best_raw_p50: +(Math.min(r.p50, rn.p50) / a.p50).toFixed(2),
        ...(fabric
          ? {
              fabric_role_p50_ms: +fr.p50.toFixed(1),
              fabric_role_p99_ms: +fr.p99.toFixed(1),
              fabric_deployment_p50_ms: +fd.p50.toFixed(1),
              fabric_deployment_p99_ms: +fd.p99.toFixed(1),
              role_vs_flat_p50: +(fr.p50 / a.p50).toFixed(2),
            }
          : {}),
      });
    }
    console.log(JSON.stringify(out));
  } finally {
    await db.end().catch(() => undefined);
    await stopProcesses(worker ? [service, worker] : [service]);
    // The database, and the worker's queue keys.
    if (KEEP) {
      console.error(`kept database ${NAME}`);
      await admin.end();
    } else await dropScratch(admin, NAME, NAME);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
