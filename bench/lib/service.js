/* global fetch, setTimeout */
// What the benchmarks that start the built service share: where the build and the servers are,
// waiting for the API to answer, stopping its processes, and dropping what a run created.
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const { clearQueueKeys, freePort } = require('../scratch');

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

/**
 * The environment of a built service a benchmark starts: this checkout's dependencies, loopback,
 * the benchmark's Redis, no API keys, warnings only; `extra` adds the role, database, port, ...
 */
function serviceEnv(extra = {}) {
  return {
    ...process.env,
    NODE_PATH: join(ROOT, 'node_modules'),
    HOST: '127.0.0.1',
    REDIS_URL,
    API_KEYS: '',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/**
 * Waits (a minute at most) until `url`'s /health/live answers 2xx, or without a url until
 * `marker()` says the process is ready; fails at once when the process exits.
 */
async function waitReady(url, child, what, marker) {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const ok = url
      ? await fetch(`${url}/health/live`)
          .then((r) => r.ok)
          .catch(() => false)
      : marker();
    if (ok) return;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`${what} did not start within 60 s`);
}

/** Starts the API role on a free port over the run's database and queues; resolves once live. */
/** An API process of the build in `dist` (default: NETORCH_DIST or dist/). */
async function startApi(databaseUrl, queuePrefix, extra = {}, dist = DIST) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(dist, 'main.js')], {
    env: serviceEnv({
      APP_ROLE: 'api',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      QUEUE_PREFIX: queuePrefix,
      ...extra,
    }),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child, 'the API');
  return { url, child };
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

/** The end of a run, whatever happened: its pool closed, its processes stopped, its scratch dropped. */
async function endRun({ db, children, admin, dbName, queuePrefix }) {
  await db?.end();
  await stopProcesses(children);
  await dropScratch(admin, dbName, queuePrefix);
}

module.exports = {
  BASE_DB,
  DIST,
  REDIS_URL,
  ROOT,
  dropScratch,
  endRun,
  serviceEnv,
  sleep,
  startApi,
  stopProcesses,
  waitLive,
  waitReady,
};
