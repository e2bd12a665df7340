/* global fetch, setTimeout */
// What the benchmarks that start the built service share: where the build and the servers are,
// waiting for the API to answer, stopping its processes, and dropping what a run created.
const { join } = require('node:path');
const { clearQueueKeys } = require('../scratch');

const ROOT = join(__dirname, '..', '..');
/** The built service: NETORCH_DIST (a build outside the checkout) or this checkout's dist/. */
const DIST = process.env.NETORCH_DIST ?? join(ROOT, 'dist');
/** A database to connect to while the run's own one is created and dropped. */
const BASE_DB = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits (a minute at most) until GET /health/live of the API at `url` answers 2xx. */
async function waitLive(url) {
  for (let i = 0; ; i++) {
    if (
      await fetch(`${url}/health/live`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 600) throw new Error('service did not start');
    await sleep(100);
  }
}

/** Stops each process still running (SIGTERM) and waits until it has exited. */
async function stopProcesses(children) {
  for (const child of children) {
    if (child.exitCode !== null) continue;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** Drops a run's database through `admin` (then closes it) and its queue keys in Redis. */
async function dropScratch(admin, dbName, queuePrefix, redisUrl = REDIS_URL) {
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.end();
  await clearQueueKeys(queuePrefix, redisUrl);
}

module.exports = { BASE_DB, DIST, REDIS_URL, ROOT, dropScratch, sleep, stopProcesses, waitLive };
