/* global URL, fetch, setTimeout, performance */
// Alert evaluation cost: 100 rules over deployments totalling 100,000 nodes (10 x 10,000 by
// default), each rule a bottleneck detection over its deployment's window, evaluated by one
// worker every ALERT_EVAL_INTERVAL_MS (15 s). Reports the duration of each full evaluation
// (every rule), as the worker records it, and the detector's share.
//   node bench/alerting/evaluation.bench.js [--deployments 10] [--nodes 10000] [--rules 100]
//        [--evaluations 5] [--slow-percent 1] [--distinct yes] [--for-seconds 3600]
//        [--method zscore|mad] [--receiver yes]
// --method gives every rule that method (default: every fourth rule mad, the others zscore);
// --receiver yes attaches a webhook receiver (a local server answering 200) to every rule, so
// each alert that turns firing also writes its notification.
// A mass state change: --deployments 1 --nodes 10000 --rules 1 --method mad --for-seconds 0
// --receiver yes --evaluations 1: the first evaluation turns every flagged node firing at once.
// Rules of one deployment that share method, window and min_samples share one detection; with
// --distinct every rule of a deployment gets its own window (one detection per rule, the worst case).
// Uses the built service (NETORCH_DIST or dist/): one api (creates the rules) and one worker
// (folds running sums, evaluates), on its own database and queue prefix, both dropped at the end.
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const { loadavg, cpus } = require('node:os');
const { Client } = require('pg');
const { median } = require('../scratch');
const { BASE_DB: BASE, DIST, dropScratch, stopProcesses, waitLive } = require('../lib/service');

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .reduce((a, v, i, all) => (v.startsWith('--') ? [...a, [v.slice(2), all[i + 1]]] : a), []),
);
const DEPLOYMENTS = Number(args.deployments ?? 10);
const NODES = Number(args.nodes ?? 10000);
const RULES = Number(args.rules ?? 100);
const EVALUATIONS = Number(args.evaluations ?? 5);
const SLOW_PERCENT = Number(args['slow-percent'] ?? 1);
const DISTINCT = args.distinct === 'yes';
// Long by default: the measured evaluations are steady ones (alerts pending, no state change);
// --for-seconds 60 measures a run in which every pending alert turns firing.
const FOR_SECONDS = Number(args['for-seconds'] ?? 3600);
const METHOD = args.method;
const RECEIVER = args.receiver === 'yes';
const INTERVAL_MS = 15000;
const NAME = `netorch_bench_alerting_${process.pid}`;
const dbUrl = (() => {
  const u = new URL(BASE);
  u.pathname = `/${NAME}`;
  return u.toString();
})();
const PORT = 19000 + (process.pid % 1000);

function start(role, extra) {
  return spawn(process.execPath, [join(DIST, 'main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: dbUrl,
      APP_ROLE: role,
      PORT: String(PORT),
      LOG_LEVEL: 'warn',
      QUEUE_PREFIX: NAME,
      RATE_LIMIT_PER_MINUTE: '0',
      // Collection once an hour: the measured data stays the loaded data.
      TELEMETRY_INTERVAL_MS: '3600000',
      NODE_PATH: join(__dirname, '..', '..', 'node_modules'),
      ...extra,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function main() {
  const admin = new Client({ connectionString: BASE });
  await admin.connect();
  const api = start('api', { ALERT_EVAL_INTERVAL_MS: String(INTERVAL_MS) });
  const url = `http://127.0.0.1:${PORT}`;
  let worker;
  let hook;
  let delivered = 0;
  const db = new Client({ connectionString: dbUrl });
  try {
    await waitLive(url);
    await db.connect();
    const ids = [];
    const t0 = performance.now();
    for (let d = 0; d < DEPLOYMENTS; d++) {
      const {
        rows: [dep],
      } = await db.query(
        `INSERT INTO deployments (name, target_node_count) VALUES ('bench-' || $2, $1) RETURNING id`,
        [NODES, d],
      );
      ids.push(dep.id);
      await db.query(
        `INSERT INTO nodes (deployment_id, seq, node_id, hostname, state)
         SELECT $1::int, g, 'node-' || lpad(g::text, 5, '0'), 'bench-' || $1::int || '-' || g, 'RUNNING'
         FROM generate_series(1, $2) g`,
        [dep.id, NODES],
      );
      // 30 samples per node over the last 10 minutes (one per 20 s), in time order as
      // collection writes them; SLOW_PERCENT of the nodes slow.
      await db.query(
        `INSERT INTO telemetry_samples (deployment_id, node_id, "timestamp", latency_ms, throughput_gbps, error_rate)
         SELECT $1, n.id, now() - interval '10 minutes' + (k * 20 + n.seq % 20) * interval '1 second',
                CASE WHEN n.seq % 100 < $2 THEN 50 + random() * 40 ELSE 5 + random() * 10 END,
                CASE WHEN n.seq % 100 < $2 THEN 2 + random() * 3 ELSE 8 + random() * 2 END,
                CASE WHEN n.seq % 100 < $2 THEN 1 + random() ELSE random() * 0.5 END
         FROM generate_series(0, 29) k CROSS JOIN nodes n WHERE n.deployment_id = $1
         ORDER BY k, n.id`,
        [dep.id, SLOW_PERCENT],
      );
    }
    const loadMs = performance.now() - t0;
    for (const table of ['telemetry_samples', 'telemetry_rollups', 'telemetry_rollup_groups']) {
      await db.query(`VACUUM ANALYZE ${table}`);
    }
    const receiverIds = [];
    if (RECEIVER) {
      hook = require('node:http').createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          delivered += 1;
          res.writeHead(200).end('ok');
        });
      });
      await new Promise((r) => hook.listen(0, '127.0.0.1', r));
      const res = await fetch(`${url}/receivers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'bench',
          type: 'webhook',
          url: `http://127.0.0.1:${hook.address().port}/hook`,
          secret: 'bench-secret-0123',
        }),
      });
      if (res.status !== 201) throw new Error(await res.text());
      receiverIds.push((await res.json()).id);
    }
    // Rules spread evenly over the deployments: both methods, windows of 5 and 10 minutes.
    for (let r = 0; r < RULES; r++) {
      const dep = ids[r % ids.length];
      const res = await fetch(`${url}/deployments/${dep}/alert-rules`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: `rule-${r}`,
          method: METHOD ?? (r % 4 === 3 ? 'mad' : 'zscore'),
          threshold: 2 + (r % 3) * 0.5,
          window_minutes: DISTINCT ? 1 + Math.floor(r / DEPLOYMENTS) : r % 2 ? 5 : 10,
          for_seconds: FOR_SECONDS,
          receiver_ids: receiverIds,
        }),
      });
      if (res.status !== 201) throw new Error(await res.text());
    }
    worker = start('worker', { ALERT_EVAL_INTERVAL_MS: String(INTERVAL_MS) });
    // Each full evaluation is one row update of alert_evaluation_stats; the first one creates
    // the pending alerts and is reported apart.
    const runs = [];
    let seen = 0;
    const deadline = Date.now() + (EVALUATIONS + 4) * INTERVAL_MS * 3;
    while (runs.length < EVALUATIONS + 1) {
      if (Date.now() > deadline) throw new Error('evaluations did not come');
      const {
        rows: [s],
      } = await db.query(
        `SELECT evaluations::int, last_seconds, last_rules FROM alert_evaluation_stats`,
      );
      if (s.evaluations > seen) {
        seen = s.evaluations;
        if (s.last_rules === RULES) {
          runs.push(s.last_seconds);
          console.error(
            `  evaluation ${runs.length}: ${RULES} rules in ${s.last_seconds.toFixed(3)} s`,
          );
        } else {
          console.error(`  partial evaluation: ${s.last_rules} rules`);
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const {
      rows: [alerts],
    } = await db.query(`SELECT count(*)::int AS n FROM alerts WHERE state <> 'resolved'`);
    const {
      rows: [notes],
    } = await db.query(`SELECT count(*)::int AS n FROM alert_deliveries`);
    const {
      rows: [changes],
    } = await db.query(`SELECT count(*)::int AS n FROM events WHERE type = 'ALERT_FIRING'`);
    const steady = runs.slice(1);
    const { rows: pg } = await db.query(`SHOW server_version`);
    console.log(
      JSON.stringify({
        deployments: DEPLOYMENTS,
        nodes: DEPLOYMENTS * NODES,
        rules: RULES,
        distinct_detections: DISTINCT,
        for_seconds: FOR_SECONDS,
        samples: DEPLOYMENTS * NODES * 30,
        slow_percent: SLOW_PERCENT,
        open_alerts: alerts.n,
        firing_events: changes.n,
        notifications: notes.n,
        notifications_received: delivered,
        method: METHOD ?? 'mixed',
        load_ms: Math.round(loadMs),
        first_evaluation_s: +runs[0].toFixed(3),
        evaluation_median_s: steady.length ? +median(steady).toFixed(3) : null,
        evaluation_min_s: steady.length ? +Math.min(...steady).toFixed(3) : null,
        evaluation_max_s: steady.length ? +Math.max(...steady).toFixed(3) : null,
        evaluations: steady.map((v) => +v.toFixed(3)),
        interval_s: INTERVAL_MS / 1000,
        nproc: cpus().length,
        node: process.version,
        postgresql: pg[0].server_version,
        load_avg_1m: +loadavg()[0].toFixed(2),
        date: new Date().toISOString(),
      }),
    );
  } finally {
    await db.end().catch(() => undefined);
    hook?.close();
    await stopProcesses([api, worker].filter(Boolean));
    await dropScratch(admin, NAME, NAME);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
