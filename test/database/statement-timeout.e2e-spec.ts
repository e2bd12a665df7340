import { Client } from 'pg';
import { expectError } from '../support/errors';
import { Service, startService } from '../support/service';

let api: Service;

beforeAll(async () => {
  api = await startService({ APP_ROLE: 'api', DB_STATEMENT_TIMEOUT_MS: '1000' });
});

afterAll(async () => {
  await api?.stop();
});

describe('DB_STATEMENT_TIMEOUT_MS', () => {
  it('answers 503 when a statement runs past it, then serves normally again', async () => {
    const created = await api.http
      .post('/deployments')
      .send({ name: 'locked-out', target_node_count: 1 })
      .expect(201);
    const holder = new Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    try {
      // Another session holds the table: every statement of the API on it waits on the lock.
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE deployments IN ACCESS EXCLUSIVE MODE');
      const read = await api.http.get(`/deployments/${created.body.id}`);
      expect(read.status).toBe(503);
      expectError(read.body, 503, /did not answer in time/);
      const write = await api.http.post('/deployments').send({ name: 'w', target_node_count: 1 });
      expect(write.status).toBe(503);
      expectError(write.body, 503, /DB_STATEMENT_TIMEOUT_MS/);
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
    expect((await api.http.get(`/deployments/${created.body.id}`)).status).toBe(200);
    expect(
      (await api.http.post('/deployments').send({ name: 'after', target_node_count: 1 })).status,
    ).toBe(201);
    expect(api.logs()).toMatch(/Statement timeout on GET \/deployments\//);
  });
});
