import { Service, startService } from '../support/service';
import { runCli } from './run-cli';

// API only with a key: the CLI's requests are what the tests see, and the key must be sent.
const SECRET = 'cli-rw-secret-0123456789';
let api: Service;
let env: Record<string, string>;
const cli = (...args: string[]) => runCli(args, env);

beforeAll(async () => {
  api = await startService({ APP_ROLE: 'api', API_KEYS: `cli-ops:${SECRET}:rw` });
  env = { NETORCH_URL: api.url, NETORCH_API_KEY: SECRET };
});

afterAll(async () => {
  await api?.stop();
});

describe('netorch deployments', () => {
  it('creates, lists, shows and deletes a deployment', async () => {
    const created = await cli(
      'deployments',
      'create',
      '--name',
      'cli-fabric',
      '--nodes',
      '3',
      '-o',
      'json',
    );
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const { id } = JSON.parse(created.stdout);
    expect(id).toEqual(expect.any(Number));

    const ls = await cli('deployments', 'ls');
    expect(ls.code).toBe(0);
    const [header, ...rows] = ls.stdout.trim().split('\n');
    expect(header.split(/\s+/)).toEqual([
      'ID',
      'NAME',
      'STATUS',
      'NODES',
      'RUNNING',
      'FAILED',
      'PROGRESS',
      'ROLLOUT',
      'CREATED',
    ]);
    expect(
      rows
        .find((r) => r.startsWith(`${id} `))
        ?.split(/\s+/)
        .slice(0, 4),
    ).toEqual([String(id), 'cli-fabric', 'pending', '3']);

    const get = await cli('deployments', 'get', String(id));
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/^name\s+cli-fabric$/m);
    expect(get.stdout).toMatch(/^PENDING\s+3$/m);
    const json = JSON.parse(
      (await cli('--output', 'json', 'deployments', 'get', String(id))).stdout,
    );
    expect(json).toMatchObject({ id, name: 'cli-fabric', current_node_count: 3, rollout: null });

    const nodes = await cli('nodes', 'ls', String(id), '-o', 'json');
    expect(JSON.parse(nodes.stdout)).toMatchObject({ total: 3 });
    const table = (await cli('nodes', 'ls', String(id), '--state', 'PENDING')).stdout;
    expect(table.trim().split('\n')).toHaveLength(4);

    expect(await cli('deployments', 'delete', String(id))).toMatchObject({ code: 0, stderr: '' });
    const gone = await cli('deployments', 'get', String(id));
    expect(gone).toMatchObject({ code: 1, stdout: '' });
    expect(gone.stderr).toBe('netorch: 404 Not Found: Deployment not found\n');
  });

  it("shows the API's 4xx detail on stderr and exits 1", async () => {
    const bad = await cli('deployments', 'create', '--name', 'too-big', '--nodes', '20000');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^netorch: 422 Unprocessable Entity: .*target_node_count.*\n$/);
  });

  it('refuses bad usage before calling the API and exits 2', async () => {
    const id = await cli('deployments', 'get', 'node-1');
    expect(id.code).toBe(2);
    expect(id.stderr).toMatch(/expected a positive integer id, got "node-1"/);
    const url = await runCli(['deployments', 'ls'], { NETORCH_URL: 'localhost:8000' });
    expect(url).toMatchObject({ code: 2 });
    expect(url.stderr).toMatch(/must be http or https/);
  });

  it('sends the key from --api-key or NETORCH_API_KEY and never prints it', async () => {
    const missing = await runCli(['deployments', 'ls'], { NETORCH_URL: api.url });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^netorch: 401 Unauthorized: /);
    const wrong = await runCli(['--api-key', 'not-the-key', 'deployments', 'ls'], {
      NETORCH_URL: api.url,
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).not.toContain('not-the-key');
    const flag = await runCli(['--url', api.url, '--api-key', SECRET, 'deployments', 'ls']);
    expect(flag.code).toBe(0);
    const help = await cli('--help');
    for (const run of [missing, wrong, flag, help]) {
      expect(run.stdout + run.stderr).not.toContain(SECRET);
    }
  });

  it('lists alerts, finds no bottlenecks without telemetry, and has help on every command', async () => {
    // The run's database holds the alerts of every suite before this one: the CLI lists what
    // the API lists (no worker runs here, so nothing changes in between).
    const alerts = await cli('alerts', 'ls', '-o', 'json');
    expect(alerts).toMatchObject({ code: 0 });
    const listed = await api.http.get('/alerts?limit=100').set('X-API-Key', SECRET).expect(200);
    expect(JSON.parse(alerts.stdout)).toEqual(listed.body);
    const { stdout } = await cli(
      'deployments',
      'create',
      '--name',
      'quiet',
      '--nodes',
      '2',
      '-o',
      'json',
    );
    const id = String(JSON.parse(stdout).id);
    const own = await cli('alerts', 'ls', '--deployment', id, '-o', 'json');
    expect(JSON.parse(own.stdout)).toEqual([]);
    const none = await cli('bottlenecks', id);
    expect(none).toMatchObject({ code: 0 });
    expect(none.stdout).toMatch(/^0 bottleneck\(s\) among 0 node\(s\)/);
    const conflict = await cli('rollout', 'pause', id);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/^netorch: 409 Conflict: /);
    for (const command of [
      [],
      ['deployments'],
      ['deployments', 'create'],
      ['nodes', 'ls'],
      ['rollout', 'watch'],
      ['rollout', 'abort'],
      ['alerts', 'ls'],
      ['bottlenecks'],
      ['telemetry', 'push'],
    ]) {
      const help = await cli(...command, '--help');
      expect({ command, code: help.code }).toEqual({ command, code: 0 });
      expect(help.stdout).toMatch(/^Usage: netorch/);
    }
  });
});
