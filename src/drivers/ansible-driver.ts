import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeResult, RunNode } from './driver-runs.repository';
import { ansibleVerdicts, inventoryName, parseAnsibleOutput } from './ansible-results';
import { playbookPath } from './ansible-paths';
import { AnsibleConfig, DriverPhase } from './provisioning';

/** The end of a run's output that is kept. */
export const OUTPUT_TAIL_BYTES = 64 * 1024;

export interface AnsibleRunInput {
  runId: string;
  phase: DriverPhase;
  deployment: { id: number; name: string };
  nodes: RunNode[];
  config: AnsibleConfig;
  projectDir: string;
  playbookBin: string;
  /** Epoch ms after which the process is stopped (SIGTERM) and the run counts as timed out. */
  deadlineMs: number;
  /** Polled every second: true stops the process (SIGTERM), for a cancelled run. */
  cancelled: () => Promise<boolean>;
  /** The ssh credential's login, opened for this run only (never logged, never queued). */
  login?: { username: string; private_key?: string; password?: string };
}

export interface AnsibleRunOutcome {
  results: NodeResult[];
  outputTail: string;
  /** Why the process was stopped before it ended, if it was. */
  stopped: 'timeout' | 'cancelled' | null;
}

/** The inventory of a run: one host per node (`n<id>`), one group per role. */
export function runInventory(input: Pick<AnsibleRunInput, 'deployment' | 'nodes'>): object {
  const groups: Record<string, { hosts: Record<string, Record<string, unknown>> }> = {};
  for (const node of input.nodes) {
    const group = (groups[node.role.replace(/-/g, '_')] ??= { hosts: {} });
    group.hosts[inventoryName(node.id)] = {
      ...(node.vars ?? {}),
      ansible_host: node.management_address ?? node.hostname,
      netorch_node_id: node.id,
      netorch_node: node.node_id,
      netorch_hostname: node.hostname,
      netorch_role: node.role,
      netorch_deployment: input.deployment.name,
      netorch_deployment_id: input.deployment.id,
    };
  }
  return { all: { children: groups } };
}

/** Keeps the last `limit` bytes of what is appended. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - this.chunks[0].length >= this.limit)
      this.size -= this.chunks.shift()!.length;
  }
  toString(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}

/**
 * Runs one phase's playbook over the run's nodes and reads each host's verdict from Ansible's
 * JSON callback. The inventory and extra vars go to a private temp dir (0700), removed after.
 * A phase without a playbook succeeds at once. The process is stopped at the deadline and on a
 * cancel; the nodes it never reported then fail with why.
 */
export async function runAnsible(input: AnsibleRunInput): Promise<AnsibleRunOutcome> {
  const name = input.config.playbooks[input.phase];
  const ids = input.nodes.map((n) => n.id);
  if (name === undefined) {
    return {
      results: ids.map((id) => ({
        node_id: id,
        status: 'succeeded',
        message: `no ${input.phase} playbook`,
      })),
      outputTail: '',
      stopped: null,
    };
  }
  const playbook = playbookPath(input.projectDir, name, `playbooks.${input.phase}`);
  const dir = await mkdtemp(join(tmpdir(), 'netorch-ansible-'));
  try {
    const inventory = join(dir, 'inventory.json');
    const extraVars = join(dir, 'extra-vars.json');
    await writeFile(inventory, JSON.stringify(runInventory(input)), { mode: 0o600 });
    await writeFile(
      extraVars,
      JSON.stringify({
        ...(input.config.extra_vars ?? {}),
        netorch_run_id: input.runId,
        netorch_phase: input.phase,
      }),
      { mode: 0o600 },
    );
    const args = ['-i', inventory, '-e', `@${extraVars}`];
    if (input.login) args.push('-e', `@${await writeLogin(dir, input.login)}`);
    if (input.config.forks) args.push('--forks', String(input.config.forks));
    args.push(playbook);
    return await execute(input, args, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The login as extra vars in the run's private dir (0600, removed with it): ansible_user, and
 * ansible_password or a key file for ansible_ssh_private_key_file.
 */
async function writeLogin(dir: string, login: NonNullable<AnsibleRunInput['login']>) {
  const vars: Record<string, string> = { ansible_user: login.username };
  if (login.password !== undefined) vars.ansible_password = login.password;
  if (login.private_key !== undefined) {
    const keyFile = join(dir, 'ssh-key');
    const key = login.private_key.endsWith('\n') ? login.private_key : `${login.private_key}\n`;
    await writeFile(keyFile, key, { mode: 0o600 });
    vars.ansible_ssh_private_key_file = keyFile;
  }
  const file = join(dir, 'login.json');
  await writeFile(file, JSON.stringify(vars), { mode: 0o600 });
  return file;
}

function execute(input: AnsibleRunInput, args: string[], dir: string): Promise<AnsibleRunOutcome> {
  return new Promise((resolve) => {
    const child = spawn(input.playbookBin, args, {
      cwd: input.projectDir,
      env: {
        ...process.env,
        ANSIBLE_STDOUT_CALLBACK: 'ansible.posix.json',
        ANSIBLE_RETRY_FILES_ENABLED: 'False',
        ANSIBLE_HOST_KEY_CHECKING: 'False',
        ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own, so a stop reaches the forks Ansible runs its tasks in.
      detached: true,
    });
    const stdout: Buffer[] = [];
    const tail = new Tail(OUTPUT_TAIL_BYTES);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      tail.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => tail.push(chunk));
    let stopped: AnsibleRunOutcome['stopped'] = null;
    const stop = (why: 'timeout' | 'cancelled') => {
      if (stopped) return;
      stopped = why;
      // The whole group: a fork still in a task would otherwise keep running, and keep the
      // output pipes (and so the run) open, until the task ends.
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
    };
    const timer = setTimeout(() => stop('timeout'), Math.max(0, input.deadlineMs - Date.now()));
    const poll = setInterval(() => {
      input.cancelled().then(
        (yes) => yes && stop('cancelled'),
        () => undefined,
      );
    }, 1000);
    let finished = false;
    const finish = (code: number | null, spawnError?: Error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearInterval(poll);
      const parsed = parseAnsibleOutput(Buffer.concat(stdout).toString('utf8'));
      const ids = input.nodes.map((n) => n.id);
      const why =
        stopped === 'timeout'
          ? 'timed out'
          : stopped === 'cancelled'
            ? 'cancelled'
            : spawnError
              ? `could not run ${input.playbookBin}: ${spawnError.message}`
              : `ansible-playbook exited with code ${code} without a result`;
      const results: NodeResult[] =
        parsed && !stopped
          ? ansibleVerdicts(parsed, ids)
          : ids.map((id) => ({ node_id: id, status: 'failed', message: why }));
      resolve({ results, outputTail: tail.toString(), stopped });
    };
    child.on('error', (error) => finish(null, error));
    child.on('close', (code) => finish(code));
    // A stopped run ends when ansible-playbook exits, even if something it started still holds
    // its output open.
    child.on('exit', (code) => {
      if (stopped) setTimeout(() => finish(code), 2000).unref();
    });
  });
}
