import { ChildProcess, spawn } from 'node:child_process';
import Redis from 'ioredis';

export interface PrivateRedis {
  url: string;
  client: Redis;
  stop: () => Promise<void>;
}

/**
 * A Redis of this test's own, so its INFO commandstats count this service's commands only and
 * nothing of the other test runs sharing the machine's Redis.
 */
export async function startPrivateRedis(port: number): Promise<PrivateRedis> {
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  let client: Redis;
  for (;;) {
    client = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
    try {
      await client.connect();
      break;
    } catch (error) {
      client.disconnect();
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    client,
    stop: async () => {
      client.disconnect();
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
