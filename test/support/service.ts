import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { pollUntil } from './poll';

// NETORCH_DIST lets several builds be tested side by side; CI uses the default dist/.
const MAIN = join(process.env.NETORCH_DIST ?? join(__dirname, '..', '..', 'dist'), 'main.js');

// A test that fails before its afterAll must not leave a service running behind it.
const running = new Set<ChildProcess>();
process.on('exit', () => running.forEach((child) => child.kill('SIGKILL')));

export interface Service {
  url: string;
  http: ReturnType<typeof request>;
  child: ChildProcess;
  /** Everything the process printed so far (JSON log lines). */
  logs: () => string;
  /** SIGTERM and wait for exit (graceful). */
  stop: () => Promise<number | null>;
  /** SIGKILL and wait for exit (a crash). */
  kill: () => Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Waits for the service to reach `what`, failing at once (with its output) if it exits. */
async function ready(
  check: () => Promise<boolean>,
  what: string,
  child: ChildProcess,
  logs: () => string,
) {
  try {
    await pollUntil(async () => {
      if (child.exitCode !== null)
        throw new Error(`service exited with ${child.exitCode} before ${what}`);
      return check().catch(() => false);
    }, what);
  } catch (error) {
    throw new Error(`${(error as Error).message}:\n${logs()}`, { cause: error });
  }
}

/**
 * Starts the built service (`node dist/main.js`, as `npm start` does) against this run's
 * database and queue prefix; `env` adds or overrides variables (APP_ROLE, SIM_TIME_SCALE ...).
 */
export async function startService(env: Record<string, string> = {}): Promise<Service> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    // info level: readiness is read from the start-up lines.
    env: {
      ...process.env,
      // A build outside the repo (NETORCH_DIST) still finds the repo's packages.
      NODE_PATH: join(__dirname, '..', '..', 'node_modules'),
      HOST: '127.0.0.1',
      PORT: String(port),
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const logs = () => output;
  const url = `http://127.0.0.1:${port}`;
  const role = env.APP_ROLE ?? process.env.APP_ROLE ?? 'all';
  try {
    if (role === 'worker') {
      await ready(async () => output.includes('Worker started'), 'worker start', child, logs);
    } else {
      await ready(
        async () =>
          (await fetch(`${url}/health/live`)).ok &&
          (role === 'api' || output.includes('Worker started')),
        'HTTP readiness',
        child,
        logs,
      );
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const signal = (sig: NodeJS.Signals) => async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    return exited(child);
  };
  return { url, http: request(url), child, logs, stop: signal('SIGTERM'), kill: signal('SIGKILL') };
}
