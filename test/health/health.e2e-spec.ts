import { Service, startService } from '../support/service';

let api: Service;

beforeAll(async () => {
  api = await startService({ APP_ROLE: 'api' });
});

afterAll(async () => {
  await api?.stop();
});

describe('health and docs', () => {
  it('GET /health reports database, Redis, workers and queues', async () => {
    const res = await api.http.get('/health').expect(200);
    expect(res.body).toMatchObject({
      status: 'healthy',
      timestamp: expect.any(String),
      database: 'healthy',
      redis: 'healthy',
      active_deployments: expect.any(Number),
      active_workers: expect.any(Boolean),
      queues: { lifecycle: expect.any(Object), telemetry: expect.any(Object) },
    });
  });

  it('has liveness and readiness probes', async () => {
    expect((await api.http.get('/health/live').expect(200)).body).toEqual({ status: 'ok' });
    expect((await api.http.get('/health/ready').expect(200)).body.status).toBe('healthy');
  });

  it('serves Swagger UI and the OpenAPI document with every seed endpoint', async () => {
    const ui = await api.http.get('/docs').redirects(1);
    expect(ui.status).toBe(200);
    expect(ui.text).toMatch(/swagger/i);
    const doc = (await api.http.get('/docs-json').expect(200)).body;
    for (const path of [
      '/deployments',
      '/deployments/{id}',
      '/deployments/{id}/nodes',
      '/deployments/{id}/telemetry',
      '/deployments/{id}/bottlenecks',
      '/health',
    ]) {
      expect(doc.paths[path]).toBeDefined();
    }
    expect(doc.paths['/deployments'].post.responses['422']).toBeDefined();
  });
});
