import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from '../support/poll';
import { freePort } from '../support/service';

// A test that fails before its afterAll must not leave a program running behind it.
const running = new Set<ChildProcess>();
process.on('exit', () => running.forEach((child) => child.kill('SIGKILL')));

export interface Program {
  url: string;
  port: number;
  logs: () => string;
  stop: () => Promise<void>;
}

/** Starts a program, keeps its output, and waits until `readyPath` answers 200 on its port. */
async function start(
  command: string,
  args: (port: number) => string[],
  readyPath: string,
  cleanup: () => void = () => undefined,
): Promise<Program> {
  const port = await freePort();
  const child = spawn(command, args(port), { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  const url = `http://127.0.0.1:${port}`;
  await pollUntil(async () => {
    if (child.exitCode !== null) throw new Error(`${command} exited:\n${output}`);
    return (await fetch(`${url}${readyPath}`).catch(() => null))?.ok ?? false;
  }, `${command} ready on ${url}`);
  return {
    url,
    port,
    logs: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      cleanup();
    },
  };
}

/** Debian's node exporter with only the network device collector (loopback included). */
export function startNodeExporter(): Promise<Program> {
  return start(
    'prometheus-node-exporter',
    (port) => [
      `--web.listen-address=127.0.0.1:${port}`,
      '--collector.disable-defaults',
      '--collector.netdev',
      // Debian's build leaves the loopback out by default; these tests measure it.
      '--collector.netdev.device-exclude=^$',
    ],
    '/metrics',
  );
}

/**
 * Debian's Prometheus with `config` (YAML) and `rules` (a rule file's YAML, may be empty) in a
 * temporary directory that also holds its storage; removed at stop.
 */
export async function startPrometheus(
  config: (dir: string) => string,
  rules = 'groups: []\n',
): Promise<Program & { dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'netorch-prometheus-'));
  writeFileSync(join(dir, 'rules.yml'), rules);
  writeFileSync(join(dir, 'prometheus.yml'), config(dir));
  const program = await start(
    'prometheus',
    (port) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    '/-/ready',
    () => rmSync(dir, { recursive: true, force: true }),
  );
  return { ...program, dir };
}

/** One instant query against Prometheus's HTTP API; the result vector. */
export async function instantQuery(
  prometheus: Program,
  query: string,
  time?: number,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const params = new URLSearchParams({ query });
  if (time !== undefined) params.set('time', String(time / 1000));
  const res = await fetch(`${prometheus.url}/api/v1/query?${params}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: [] } };
  if (body.status !== 'success') throw new Error(`query ${query}: ${body.error}`);
  return body.data.result;
}

/** The loopback's received bytes as the kernel counts them (/proc/net/dev). */
export function loopbackReceivedBytes(): number {
  const line = readFileSync('/proc/net/dev', 'utf8')
    .split('\n')
    .find((l) => /^\s*lo:/.test(l));
  if (!line) throw new Error('/proc/net/dev has no lo line');
  return Number(line.split(':')[1].trim().split(/\s+/)[0]);
}
