/* global performance, URL */
// The fast window statements of two builds, same run, interleaved, on a database whose samples
// were pushed and never folded (bottlenecks.bench.js --fresh --keep leaves one): the flat
// deployment (1), the fabric (2) by role and by deployment, and the plain SQL aggregate over the
// raw samples, each timed inside its own transaction. The window ends 3 s after the newest
// sample, so the data need not be minutes old.
//   node bench/analytics/window-statements.bench.js --db NAME --before DIST --after DIST
//     [--rounds 5]
const { loadavg } = require('node:os');
const { Client } = require('pg');
const { BASE_DB } = require('../lib/service');

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .reduce((a, v, i, all) => (v.startsWith('--') ? [...a, [v.slice(2), all[i + 1]]] : a), []),
);
const load = (dist) => ({
  ...require(`${dist}/analytics/grouped-window-sql`),
  ...require(`${dist}/analytics/window-sql`),
  ...require(`${dist}/analytics/window-terms`),
  ...require(`${dist}/domain/analysis-window`),
});
const builds = { before: load(args.before), after: load(args.after) };
const RAW_SQL = `
  SELECT s.node_id, count(*)::int, avg(s.latency_ms), avg(s.throughput_gbps), avg(s.error_rate),
         stddev_samp(s.latency_ms), stddev_samp(s.throughput_gbps), stddev_samp(s.error_rate),
         max(s."timestamp")
  FROM telemetry_samples s JOIN nodes n ON n.id = s.node_id
  WHERE s.deployment_id = $1 AND s."timestamp" >= $2 AND s."timestamp" <= $3
  GROUP BY GROUPING SETS ((s.node_id), ())`;

async function main() {
  const url = new URL(BASE_DB);
  url.pathname = `/${args.db}`;
  const db = new Client({ connectionString: url.toString() });
  await db.connect();
  const {
    rows: [{ end }],
  } = await db.query(
    `SELECT max("timestamp") + interval '3 seconds' AS end FROM telemetry_samples`,
  );
  const times = {};
  const timed = async (key, sql, values, settings) => {
    await db.query('BEGIN');
    if (settings) await db.query(settings);
    const t = performance.now();
    await db.query(sql, values);
    (times[key] ??= []).push(performance.now() - t);
    await db.query('ROLLBACK');
  };
  const loads = [];
  for (let round = 0; round < Number(args.rounds ?? 5); round++) {
    for (const [name, b] of Object.entries(builds)) {
      const w = b.splitWindow(new Date(end), 10);
      const terms = b.prefixTerms(w.leadByComplement ? w.leadMinute : w.wholeFrom, w.wholeTo, null);
      for (const [deployment, statement, label] of [
        [2, b.ROLE_GROUPED_WINDOW, 'fabric by role'],
        [2, b.GROUPED_WINDOW, 'fabric by deployment'],
        [1, b.GROUPED_WINDOW, 'flat'],
      ]) {
        const values = statement.values({
          deployment,
          from: w.from,
          to: w.to,
          wholeFrom: w.wholeFrom,
          wholeTo: w.wholeTo,
          minSamples: 1,
          threshold: 2,
          leadMinute: w.leadMinute,
          leadByComplement: w.leadByComplement,
          parts: 1,
          part: 0,
          prefixPlus: terms.plus,
          prefixMinus: terms.minus,
          rollupsFrom: terms.rollupsFrom,
          leadRawUntil: b.leadRawUntil(w, null),
        });
        await timed(`${name} ${label}`, statement.text, values, b.WINDOW_SETTINGS);
      }
    }
    const w = builds.after.splitWindow(new Date(end), 10);
    await timed('raw SQL flat', RAW_SQL, [1, w.from, w.to]);
    loads.push(loadavg()[0]);
  }
  const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const out = {};
  for (const [key, v] of Object.entries(times)) {
    out[key] = {
      median_ms: +median(v).toFixed(1),
      min_ms: +Math.min(...v).toFixed(1),
      max_ms: +Math.max(...v).toFixed(1),
    };
  }
  console.log(
    JSON.stringify({ load_avg_1m: [Math.min(...loads), Math.max(...loads)], out }, null, 1),
  );
  await db.end();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
