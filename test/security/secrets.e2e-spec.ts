import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, Service, startService } from '../support/service';

const MAIN = join(process.env.NETORCH_DIST ?? join(__dirname, '..', '..', 'dist'), 'main.js');
const SECRET = 'never-print-this-0123456789';

/** Runs the service until its output matches `until` (or it exits), then stops it. */
async function outputOf(env: Record<string, string>, until: RegExp): Promise<string> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, APP_ROLE: 'api', PORT: String(await freePort()), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve) => {
    const check = (chunk: Buffer) => {
      output += chunk.toString();
      if (until.test(output)) resolve();
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', () => resolve());
  });
  child.kill('SIGKILL');
  await exited;
  return output;
}

describe('secrets never printed', () => {
  it.each([
    ['a bad scope', `ops:${SECRET}:admin`],
    ['a bad name', `o p s:${SECRET}:rw`],
    ['a duplicated secret', `a:${SECRET}:rw,b:${SECRET}:ro`],
  ])('a bad API_KEYS entry (%s) is named, not shown', async (_, value) => {
    const output = await outputOf({ API_KEYS: value }, /Invalid configuration/);
    expect(output).toMatch(/^Invalid configuration: API_KEYS /m);
    expect(output).not.toContain(SECRET);
  });

  it('a bad DATABASE_URL is shown with its password replaced', async () => {
    const output = await outputOf(
      { DATABASE_URL: `mysql://admin:${SECRET}@db.example/netorch` },
      /Invalid configuration/,
    );
    expect(output).toContain('DATABASE_URL="mysql://admin:***@db.example/netorch"');
    expect(output).not.toContain(SECRET);
  });

  it('an unreachable PostgreSQL is reported without the password', async () => {
    const port = await freePort();
    const output = await outputOf(
      { DATABASE_URL: `postgres://postgres:${SECRET}@127.0.0.1:${port}/netorch` },
      /PostgreSQL is not reachable/,
    );
    expect(output).toContain(`postgres://postgres:***@127.0.0.1:${port}/netorch`);
    expect(output).not.toContain(SECRET);
  });

  describe('in the logs of a running service', () => {
    let api: Service;
    beforeAll(async () => {
      api = await startService({
        APP_ROLE: 'api',
        API_KEYS: `ops:${SECRET}:rw`,
        LOG_LEVEL: 'info',
      });
    });
    afterAll(async () => {
      await api?.stop();
    });

    it('replaces a key that a client put into a URL', async () => {
      const res = await api.http
        .get(`/deployments?api_key=${SECRET}`)
        .set('Authorization', `Bearer ${SECRET}`);
      expect(res.status).toBe(422);
      await api.http.get(`/no-such-route/${SECRET}`).set('X-API-Key', SECRET).expect(404);
      expect(api.logs()).toContain('/deployments?api_key=***');
      expect(api.logs()).not.toContain(SECRET);
    });
  });
});
