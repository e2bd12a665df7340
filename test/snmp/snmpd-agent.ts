import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pollUntil } from '../support/poll';

const run = promisify(execFile);

/** Debian's snmpd lives in /usr/sbin, outside a non-root PATH. */
const SNMPD = ['/usr/sbin/snmpd', '/usr/local/sbin/snmpd'].find(existsSync) ?? 'snmpd';

/** The credentials the test-owned configuration sets up. */
export const AGENT = {
  community: 'netorch-test-ro',
  writeCommunity: 'netorch-test-rw',
  v3: {
    username: 'netorch-test-v3',
    auth_protocol: 'sha',
    auth_key: 'auth-secret-4711',
    priv_protocol: 'aes',
    priv_key: 'priv-secret-4711',
  },
};

/**
 * A test-owned snmpd on 127.0.0.1:`port`: a view over system, interfaces and ifXTable (IF-MIB)
 * for a v2c community and a v3 authPriv user, and the agent's own cache table writable so that
 * its interface cache is refreshed every second instead of every three.
 */
function config(port: number): string {
  return `agentAddress udp:127.0.0.1:${port}
view netorchview included .1.3.6.1.2.1.1
view netorchview included .1.3.6.1.2.1.2
view netorchview included .1.3.6.1.2.1.31
view cacheview included .1.3.6.1.4.1.8072.1.5
rocommunity ${AGENT.community} 127.0.0.1 -V netorchview
rwcommunity ${AGENT.writeCommunity} 127.0.0.1 -V cacheview
createUser ${AGENT.v3.username} SHA "${AGENT.v3.auth_key}" AES "${AGENT.v3.priv_key}"
rouser ${AGENT.v3.username} priv -V netorchview
`;
}

export interface SnmpAgent {
  port: number;
  stop(): Promise<void>;
  /** Stops the agent and starts it again on the same port: its sysUpTime starts over. */
  restart(): Promise<void>;
}

/** nsCacheTimeout of the ifTable cache (NET-SNMP-AGENT-MIB), indexed by the table's OID. */
const IF_TABLE_CACHE_TIMEOUT = '1.3.6.1.4.1.8072.1.5.3.1.2.1.3.6.1.2.1.2.2';

export async function startSnmpd(port: number): Promise<SnmpAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'netorch-snmpd-'));
  const conf = join(dir, 'snmpd.conf');
  writeFileSync(conf, config(port));
  let child: ChildProcess | null = null;
  let output = '';
  const start = async () => {
    output = '';
    // -C: only this configuration; -f: stay in the foreground; -Lo: log to stdout.
    child = spawn(SNMPD, ['-f', '-Lo', '-C', '-c', conf, '-p', join(dir, 'pid')], {
      env: { ...process.env, SNMP_PERSISTENT_DIR: join(dir, 'persist'), MIBS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await pollUntil(
      async () => {
        if (child?.exitCode !== null) throw new Error(`snmpd exited: ${output}`);
        const ok = await run('snmpset', [
          '-v2c',
          '-c',
          AGENT.writeCommunity,
          '-t',
          '0.5',
          '-r',
          '0',
          `127.0.0.1:${port}`,
          IF_TABLE_CACHE_TIMEOUT,
          'i',
          '1',
        ]).then(
          () => true,
          () => undefined,
        );
        return ok;
      },
      'snmpd answering with a 1 s interface cache',
      { timeoutMs: 20_000 },
    );
  };
  const stop = async () => {
    const c = child as ChildProcess | null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGTERM');
    await exited;
  };
  await start();
  process.on('exit', () => (child as ChildProcess | null)?.kill('SIGKILL'));
  return {
    port,
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await stop();
      await start();
    },
  };
}

/** Bytes received plus sent on `lo`, from the kernel's /proc/net/dev. */
export async function loopbackBytes(): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const line = (await readFile('/proc/net/dev', 'utf8'))
    .split('\n')
    .find((l) => l.trim().startsWith('lo:'));
  if (!line) throw new Error('no lo in /proc/net/dev');
  const fields = line.split(':')[1].trim().split(/\s+/).map(Number);
  // Receive: bytes packets errs drop fifo frame compressed multicast; then transmit bytes.
  return fields[0] + fields[8];
}
