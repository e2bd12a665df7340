// `npm run bench`: every benchmark, one after another (they must not share the two cores).
// Each script starts the built service from dist/ (or NETORCH_DIST) on a database of its own.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const BENCHMARKS = [
  ['rollout', ['rollout/run.js']],
  ['telemetry', ['telemetry/run.js']],
  ['analytics', ['analytics/bottlenecks.bench.js']],
  ['metrics', ['metrics/scrape.js']],
  ['hot-reads', ['hot-reads/run.js']],
  ['waves', ['rollouts/waves.js']],
  ['alerting', ['alerting/evaluation.bench.js']],
  ['streams', ['streams/run.js']],
  ['drivers', ['drivers/run.js']],
  ['snmp', ['snmp/run.js']],
  ['remote-write', ['remote-write/run.js']],
  ['trends', ['trends/trends.bench.js']],
];

const only = process.argv.slice(2);
let failed = 0;
for (const [name, [script, ...args]] of BENCHMARKS) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n=== ${name}: node bench/${script} ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [join(__dirname, script), ...args], {
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    failed++;
    console.error(`${name} failed with exit code ${result.status}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
