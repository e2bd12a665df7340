import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listNodes } from '../support/deployments';
import { Service, startService } from '../support/service';
import { runCli } from './run-cli';

// API only: no worker adds simulated samples, so every stored sample is one the CLI pushed.
let api: Service;
let dir: string;
const cli = (...args: string[]) => runCli(args, { NETORCH_URL: api.url });

beforeAll(async () => {
  api = await startService({ APP_ROLE: 'api' });
  dir = mkdtempSync(join(tmpdir(), 'netorch-cli-'));
});

afterAll(async () => {
  await api?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function deploymentWithNodes(name: string): Promise<{ id: string; nodeIds: number[] }> {
  const run = await cli('deployments', 'create', '--name', name, '--nodes', '3', '-o', 'json');
  const id = JSON.parse(run.stdout).id as number;
  const nodes = await listNodes(api, id);
  return { id: String(id), nodeIds: nodes.map((n) => n.id) };
}

async function stored(id: string): Promise<number> {
  const res = await api.http.get(`/deployments/${id}/telemetry?limit=1000`).expect(200);
  return res.body.total;
}

const sample = (nodeIds: number[], i: number) => ({
  node_id: nodeIds[i % nodeIds.length],
  latency_ms: 5 + (i % 7),
  throughput_gbps: 9.5,
  error_rate: 0.1,
});

describe('netorch telemetry push', () => {
  it('pushes a CSV file in batches', async () => {
    const { id, nodeIds } = await deploymentWithNodes('csv');
    const lines = ['node_id,timestamp,latency_ms,throughput_gbps,error_rate'];
    const at = new Date(Date.now() - 60_000).toISOString();
    for (let i = 0; i < 25; i++) {
      const s = sample(nodeIds, i);
      lines.push(
        [s.node_id, i % 2 ? at : '', s.latency_ms, s.throughput_gbps, s.error_rate].join(','),
      );
    }
    const file = join(dir, 'samples.csv');
    writeFileSync(file, `${lines.join('\n')}\n`);

    const push = await cli('telemetry', 'push', file, '-d', id, '--batch-size', '10');
    expect(push).toMatchObject({
      code: 0,
      stdout: `pushed 25 samples (1-25) to deployment ${id}\n`,
    });
    expect(await stored(id)).toBe(25);
  });

  it('stops at a batch the API refuses, says where to resume, and resumes from there', async () => {
    const { id, nodeIds } = await deploymentWithNodes('json');
    const samples = Array.from({ length: 30 }, (_, i) => sample(nodeIds, i));
    samples[14] = { ...samples[14], error_rate: 500 };
    const file = join(dir, 'samples.json');
    writeFileSync(file, JSON.stringify({ samples }));

    const failed = await cli('telemetry', 'push', file, '--deployment', id, '--batch-size', '10');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    const [detail, resume] = failed.stderr.trim().split('\n').slice(-2);
    expect(detail).toBe(
      'netorch: 422 Unprocessable Entity: samples[4].error_rate must be between 0 and 100 (sample 15 of the file)',
    );
    expect(resume).toBe(
      `samples 1-10 are stored; resume with: netorch telemetry push ${file} -d ${id} --from 11`,
    );
    expect(await stored(id)).toBe(10);

    samples[14] = { ...samples[14], error_rate: 5 };
    writeFileSync(file, JSON.stringify(samples));
    const resumed = await cli(
      'telemetry',
      'push',
      file,
      '-d',
      id,
      '--batch-size',
      '10',
      '--from',
      '11',
      '-o',
      'json',
    );
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual({
      deployment_id: Number(id),
      accepted: 20,
      first: 11,
      last: 30,
    });
    // Every sample once: the first ten were not sent again.
    expect(await stored(id)).toBe(30);
  });

  it('refuses a file it cannot read or parse, naming the place, with exit code 2', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'node_id,latency_ms,throughput_gbps,error_rate\n1,2,3,4\n1,slow,3,4\n');
    const parse = await cli('telemetry', 'push', bad, '-d', '1');
    expect(parse).toMatchObject({ code: 2 });
    expect(parse.stderr).toBe(`netorch: ${bad}: line 3: latency_ms "slow" is not a number\n`);
    const missing = await cli('telemetry', 'push', join(dir, 'none.json'), '-d', '1');
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toMatch(/cannot read .*none\.json: ENOENT/);
    const good = join(dir, 'good.csv');
    writeFileSync(good, 'node_id,latency_ms,throughput_gbps,error_rate\n1,2,3,4\n1,2,3,4\n');
    const beyond = await cli('telemetry', 'push', good, '-d', '1', '--from', '9');
    expect(beyond.code).toBe(2);
    expect(beyond.stderr).toMatch(/--from must be a sample number 1\.\.2, got 9/);
  });
});
