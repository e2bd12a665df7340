import { Service, startService } from '../support/service';

const OPS = 'ops-automation:0123456789abcdef0123:rw';
const KEY = { 'X-API-Key': '0123456789abcdef0123' };

describe('Audit events record who made the change', () => {
  let api: Service;

  beforeAll(async () => {
    api = await startService({ APP_ROLE: 'api', API_KEYS: OPS });
  });

  afterAll(async () => {
    await api?.stop();
  });

  it('names the API key of every change', async () => {
    const created = await api.http
      .post('/deployments')
      .set(KEY)
      .set('X-Request-Id', 'change-4711')
      .send({ name: 'audited', target_node_count: 3 })
      .expect(201);
    const id = created.body.id as number;
    await api.http.patch(`/deployments/${id}`).set(KEY).send({ name: 'renamed' }).expect(200);
    await api.http.patch(`/deployments/${id}/nodes/node-002`).set(KEY).send({ hostname: 'leaf-2' });
    const events = (await api.http.get(`/deployments/${id}/events`).set(KEY).expect(200)).body
      .events as { type: string; actor: string | null; request_id: string | null }[];
    const audited = events.filter((e) => e.type !== 'STATE_CHANGE');
    expect(audited.map((e) => [e.type, e.actor])).toEqual([
      ['DEPLOYMENT_CREATED', 'ops-automation'],
      ['DEPLOYMENT_UPDATED', 'ops-automation'],
      ['NODE_UPDATED', 'ops-automation'],
    ]);
    expect(audited[0].request_id).toBe('change-4711');
  });
});
