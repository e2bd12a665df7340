import { expectError } from '../support/errors';
import { Service, startService } from '../support/service';

let api: Service;

beforeAll(async () => {
  api = await startService({
    APP_ROLE: 'api',
    API_KEYS: 'ops:ops-secret:rw,viewer:viewer-secret:ro,legacy-secret:rw',
  });
});

afterAll(async () => {
  await api?.stop();
});

describe('API_KEYS', () => {
  const body = { name: 'guarded', target_node_count: 1 };

  it('refuses requests without a key or with a wrong one', async () => {
    expectError((await api.http.get('/deployments')).body, 401, /X-API-Key/);
    expectError(
      (await api.http.get('/deployments').set('X-API-Key', 'guess')).body,
      401,
      /not valid/,
    );
  });

  it('lets a read-only key read but not write', async () => {
    expect((await api.http.get('/deployments').set('X-API-Key', 'viewer-secret')).status).toBe(200);
    const write = await api.http.post('/deployments').set('X-API-Key', 'viewer-secret').send(body);
    expectError(write.body, 403, /"viewer" has scope ro and may only read/);
  });

  it('lets a read-write key write, also as a bearer token', async () => {
    expect(
      (await api.http.post('/deployments').set('X-API-Key', 'ops-secret').send(body)).status,
    ).toBe(201);
    const bearer = await api.http
      .post('/deployments')
      .set('Authorization', 'Bearer ops-secret')
      .send(body);
    expect(bearer.status).toBe(201);
  });

  it('still takes keys in the older secret:scope form', async () => {
    const res = await api.http.post('/deployments').set('X-API-Key', 'legacy-secret').send(body);
    expect(res.status).toBe(201);
  });

  it('keeps the probes open', async () => {
    expect((await api.http.get('/health')).status).toBe(200);
    expect((await api.http.get('/health/live')).status).toBe(200);
  });

  it('refuses to start open in production', async () => {
    await expect(
      startService({ APP_ROLE: 'api', NODE_ENV: 'production', API_KEYS: '' }),
    ).rejects.toThrow(/API_KEYS is empty and NODE_ENV=production/);
  });

  it('refuses short secrets in production', async () => {
    await expect(
      startService({ APP_ROLE: 'api', NODE_ENV: 'production', API_KEYS: 'ops:ops-secret:rw' }),
    ).rejects.toThrow(/API_KEYS key "ops" has a secret of 10 characters/);
  });

  it('stops at start on a bad variable with one line naming it', async () => {
    await expect(startService({ APP_ROLE: 'api', SIM_FAILURE_RATE: 'lots' })).rejects.toThrow(
      /Invalid configuration: SIM_FAILURE_RATE="lots"/,
    );
  });
});
