import { Service, startService } from '../support/service';

const RW = 'board-ops-secret-000001';
const basic = `Basic ${Buffer.from(`ops:${RW}`).toString('base64')}`;

describe('the queue UI under Basic authentication', () => {
  let api: Service;
  beforeAll(async () => {
    api = await startService({ APP_ROLE: 'api', API_KEYS: `ops:${RW}:rw` });
  });
  afterAll(async () => {
    await api?.stop();
  });

  const clean = () => api.http.put('/queues/api/queues/maintenance/clean/failed');

  it('refuses a change sent from another origin, or from none', async () => {
    const cross = await clean()
      .set('Authorization', basic)
      .set('Origin', 'https://evil.example.com')
      .expect(403);
    expect(cross.body.detail).toMatch(/another origin/);
    await clean()
      .set('Authorization', basic)
      .set('Referer', 'https://evil.example.com/page')
      .expect(403);
    await clean().set('Authorization', basic).expect(403);
  });

  it('takes changes from its own pages, reads from anywhere, and X-API-Key from anywhere', async () => {
    const own = new URL(api.url).host;
    await clean().set('Authorization', basic).set('Origin', `http://${own}`).expect(200);
    await clean()
      .set('Authorization', basic)
      .set('Referer', `http://${own}/queues/queue/maintenance`)
      .expect(200);
    await api.http
      .get('/queues/api/queues')
      .set('Authorization', basic)
      .set('Origin', 'https://evil.example.com')
      .expect(200);
    await clean().set('X-API-Key', RW).expect(200);
  });
});

describe('TRUST_PROXY', () => {
  const limited = { RATE_LIMIT_PER_MINUTE: '3', RATE_LIMIT_BURST: '0', APP_ROLE: 'api' };

  /** Four requests as client A (the fourth is over the limit), then one as client B. */
  async function asTwoClients(svc: Service) {
    const get = (client: string) => svc.http.get('/deployments').set('X-Forwarded-For', client);
    const a = [];
    for (let i = 0; i < 4; i++) a.push((await get('203.0.113.7')).status);
    return { a, b: (await get('198.51.100.9')).status };
  }

  it('takes the client address from X-Forwarded-For only from a trusted proxy', async () => {
    const trusted = await startService({ ...limited, TRUST_PROXY: '127.0.0.0/8, ::1' });
    try {
      const { a, b } = await asTwoClients(trusted);
      expect(a.slice(0, 3)).toEqual([200, 200, 200]);
      expect(a[3]).toBe(429);
      expect(b).toBe(200);
      expect(trusted.logs()).toMatch(/"remote_address":"203\.0\.113\.7"/);
    } finally {
      await trusted.stop();
    }
    const untrusted = await startService({ ...limited, TRUST_PROXY: '10.0.0.1' });
    try {
      const { b } = await asTwoClients(untrusted);
      // Both "clients" are 127.0.0.1: the header is not believed.
      expect(b).toBe(429);
      expect(untrusted.logs()).not.toMatch(/203\.0\.113\.7/);
    } finally {
      await untrusted.stop();
    }
  });

  it('refuses a TRUST_PROXY entry that is not an address or range', async () => {
    await expect(startService({ APP_ROLE: 'api', TRUST_PROXY: '10.0.0.0/40' })).rejects.toThrow(
      /TRUST_PROXY/,
    );
  });
});
