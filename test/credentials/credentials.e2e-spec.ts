import { Pool } from 'pg';
import { replaceCredentialUse } from '../../src/credentials/credential-use';
import { Queryable } from '../../src/store/queryable';
import { testPool } from '../support/database';
import { expectError } from '../support/errors';
import { Service, startService } from '../support/service';

let svc: Service;
let db: Pool;
const created: number[] = [];
const deployments: number[] = [];
const stamp = Date.now();

/** The test pool as the Queryable the store functions take (rows, not pg's result). */
const queryable = (pool: Pool): Queryable => ({
  query: async (sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows,
});

async function create(body: Record<string, unknown>) {
  const res = await svc.http.post('/credentials').send(body);
  if (res.status === 201) created.push(res.body.id);
  return res;
}

beforeAll(async () => {
  db = testPool();
  svc = await startService({ APP_ROLE: 'api' });
});

afterAll(async () => {
  for (const id of deployments) await svc?.http.delete(`/deployments/${id}`);
  for (const id of created) await svc?.http.delete(`/credentials/${id}`);
  await svc?.stop();
  await db?.end();
});

describe('credentials', () => {
  it('stores each kind, answers has_<field> for secrets and never the secrets', async () => {
    const bodies = [
      { kind: 'ssh', username: 'netops', private_key: 'PRIVATE-KEY-TEXT-0001' },
      { kind: 'ssh', username: 'netops', password: 'ssh-password-0002' },
      { kind: 'snmp-v2c', community: 'community-0003' },
      {
        kind: 'snmp-v3',
        username: 'monitor',
        auth_protocol: 'sha256',
        auth_key: 'auth-key-0004',
        priv_protocol: 'aes',
        priv_key: 'priv-key-0005',
      },
      { kind: 'snmp-v3', username: 'monitor' },
      { kind: 'http-secret', secret: 'http-secret-0006-long-enough' },
      { kind: 'bearer', token: 'bearer-token-0007' },
    ];
    const answers = [];
    for (const [i, body] of bodies.entries()) {
      const res = await create({ name: `kinds-${stamp}-${i}`, ...body });
      expect(res.status).toBe(201);
      answers.push(res.body);
    }
    expect(answers[0]).toEqual({
      id: expect.any(Number),
      name: `kinds-${stamp}-0`,
      kind: 'ssh',
      username: 'netops',
      has_private_key: true,
      has_password: false,
      used_by: [],
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(answers[3]).toMatchObject({
      auth_protocol: 'sha256',
      priv_protocol: 'aes',
      has_auth_key: true,
      has_priv_key: true,
    });
    expect(answers[4]).toMatchObject({ has_auth_key: false, has_priv_key: false });
    expect(answers[5]).toMatchObject({ kind: 'http-secret', has_secret: true });
    expect(answers[6]).toMatchObject({ kind: 'bearer', has_token: true });

    const list = await svc.http.get('/credentials').expect(200);
    const one = await svc.http.get(`/credentials/${answers[3].id}`).expect(200);
    expect(one.body).toEqual(answers[3]);
    const text = JSON.stringify([answers, list.body, one.body]);
    for (const value of [
      'PRIVATE-KEY-TEXT',
      'ssh-password',
      'community-0003',
      'auth-key',
      'priv-key',
      'http-secret-0006',
      'bearer-token',
    ]) {
      expect(text).not.toContain(value);
    }

    // At rest: the secrets are one sealed value, not text the table shows.
    const { rows } = await db.query(`SELECT sealed, params::text FROM credentials WHERE id = $1`, [
      answers[2].id,
    ]);
    expect(rows[0].sealed).toMatch(/^v1:[0-9a-f]{8}:/);
    expect(JSON.stringify(rows)).not.toContain('community-0003');
  });

  it.each([
    [{ kind: 'ssh', username: 'a' }, /kind ssh needs private_key or password/],
    [{ kind: 'ssh', password: 'pw-123456' }, /username is required for kind ssh/],
    [
      { kind: 'snmp-v2c', community: 'c', username: 'x', token: 't' },
      /username is not a field of kind snmp-v2c \(it takes community\); token is not a field of kind snmp-v2c/,
    ],
    [
      { kind: 'snmp-v3', username: 'm', auth_protocol: 'sha' },
      /auth_protocol and auth_key go together/,
    ],
    [
      { kind: 'snmp-v3', username: 'm', auth_protocol: 'sha1', auth_key: '12345678' },
      /auth_protocol must be one of the following values: md5, sha, sha224, sha256, sha384, sha512/,
    ],
    [
      { kind: 'snmp-v3', username: 'm', priv_protocol: 'aes', priv_key: '12345678' },
      /privacy \(priv_protocol\) needs authentication/,
    ],
    [
      { kind: 'snmp-v3', username: 'm', auth_protocol: 'md5', auth_key: 'short' },
      /auth_key must be longer than or equal to 8 characters/,
    ],
    [{ kind: 'http-secret', secret: 'too-short' }, /secret must be longer than or equal to 16/],
    [{ kind: 'bearer' }, /token is required for kind bearer/],
    [{ kind: 'kerberos', token: 't' }, /kind must be one of the following values/],
    [{ kind: 'bearer', token: 't', role: 'admin' }, /property role should not exist/],
  ])('refuses %j with 422, storing nothing', async (body, detail) => {
    const before = (await db.query(`SELECT count(*)::int AS n FROM credentials`)).rows[0].n;
    const res = await create({ name: `bad-${stamp}`, ...body });
    expect(res.status).toBe(422);
    expectError(res.body, 422, detail);
    const after = (await db.query(`SELECT count(*)::int AS n FROM credentials`)).rows[0].n;
    expect(after).toBe(before);
  });

  it('a taken name is 409; PATCH replaces secrets, keeps the others, and re-checks the kind', async () => {
    const first = await create({ name: `dup-${stamp}`, kind: 'bearer', token: 'token-one' });
    expect(first.status).toBe(201);
    const dup = await create({ name: `dup-${stamp}`, kind: 'bearer', token: 'token-two' });
    expectError(dup.body, 409, new RegExp(`A credential named "dup-${stamp}" already exists`));

    const ssh = (
      await create({ name: `patch-${stamp}`, kind: 'ssh', username: 'a', password: 'pw-1-secret' })
    ).body;
    const renamed = await svc.http
      .patch(`/credentials/${ssh.id}`)
      .send({ name: `patched-${stamp}`, private_key: 'KEY-PATCHED-1' })
      .expect(200);
    expect(renamed.body).toMatchObject({
      name: `patched-${stamp}`,
      username: 'a',
      has_password: true,
      has_private_key: true,
    });
    const dropped = await svc.http
      .patch(`/credentials/${ssh.id}`)
      .send({ password: null })
      .expect(200);
    expect(dropped.body).toMatchObject({ has_password: false, has_private_key: true });
    const none = await svc.http.patch(`/credentials/${ssh.id}`).send({ private_key: null });
    expectError(none.body, 422, /kind ssh needs private_key or password/);
    const wrong = await svc.http.patch(`/credentials/${ssh.id}`).send({ community: 'c' });
    expectError(wrong.body, 422, /community is not a field of kind ssh/);
    const kind = await svc.http.patch(`/credentials/${ssh.id}`).send({ kind: 'bearer' });
    expectError(kind.body, 422, /property kind should not exist/);
    const taken = await svc.http.patch(`/credentials/${ssh.id}`).send({ name: `dup-${stamp}` });
    expectError(taken.body, 409, /already exists/);
    expect(JSON.stringify([renamed.body, dropped.body])).not.toMatch(/KEY-PATCHED|pw-1-secret/);
    expectError((await svc.http.get('/credentials/999999999')).body, 404, /Credential not found/);
    expectError((await svc.http.patch('/credentials/999999999').send({})).body, 404);
    expectError((await svc.http.delete('/credentials/999999999')).body, 404);
  });

  it('a credential in use cannot be deleted: 409 naming the deployments, until the use goes', async () => {
    const cred = (await create({ name: `used-${stamp}`, kind: 'snmp-v2c', community: 'public-x' }))
      .body;
    const bearer = (await create({ name: `other-${stamp}`, kind: 'bearer', token: 'tok-x' })).body;
    const dep = (
      await svc.http.post('/deployments').send({ name: `uses-cred-${stamp}`, target_node_count: 1 })
    ).body;
    deployments.push(dep.id);
    const q = queryable(db);
    await replaceCredentialUse(q, dep.id, 'telemetry:snmp', cred.id, ['snmp-v2c', 'snmp-v3']);
    await expect(
      replaceCredentialUse(q, dep.id, 'telemetry:snmp', bearer.id, ['snmp-v2c', 'snmp-v3']),
    ).rejects.toThrow(
      /credential: credential \d+ is of kind bearer; telemetry:snmp takes snmp-v2c or snmp-v3/,
    );
    await expect(
      replaceCredentialUse(q, dep.id, 'driver', 999_999_999, ['ssh'], 'provisioning.credential'),
    ).rejects.toThrow('provisioning.credential: credential 999999999 does not exist');

    const res = await svc.http.delete(`/credentials/${cred.id}`);
    expectError(
      res.body,
      409,
      new RegExp(`in use by deployment ${dep.id} \\(uses-cred-${stamp}, telemetry:snmp\\)`),
    );
    const shown = await svc.http.get(`/credentials/${cred.id}`).expect(200);
    expect(shown.body.used_by).toEqual([
      { deployment_id: dep.id, name: `uses-cred-${stamp}`, purpose: 'telemetry:snmp' },
    ]);
    // Replaced by another credential of the purpose: the first one is free again.
    const v3 = (await create({ name: `v3-${stamp}`, kind: 'snmp-v3', username: 'm' })).body;
    await replaceCredentialUse(q, dep.id, 'telemetry:snmp', v3.id, ['snmp-v2c', 'snmp-v3']);
    await svc.http.delete(`/credentials/${cred.id}`).expect(204);
    // Dropped with null; and a deleted deployment takes its uses along.
    await replaceCredentialUse(q, dep.id, 'telemetry:snmp', null, ['snmp-v2c', 'snmp-v3']);
    await replaceCredentialUse(q, dep.id, 'driver', v3.id, ['snmp-v3']);
    expectError((await svc.http.delete(`/credentials/${v3.id}`)).body, 409, /driver/);
    await svc.http.delete(`/deployments/${dep.id}`).expect(204);
    await svc.http.delete(`/credentials/${v3.id}`).expect(204);
  });

  it('keeps at most MAX_CREDENTIALS, then 422 naming the variable', async () => {
    const count = (await db.query(`SELECT count(*)::int AS n FROM credentials`)).rows[0].n;
    const small = await startService({ APP_ROLE: 'api', MAX_CREDENTIALS: String(count + 1) });
    try {
      const body = { kind: 'bearer', token: 'quota-token' };
      const ok = await small.http.post('/credentials').send({ name: `quota-${stamp}-1`, ...body });
      expect(ok.status).toBe(201);
      created.push(ok.body.id);
      const over = await small.http
        .post('/credentials')
        .send({ name: `quota-${stamp}-2`, ...body });
      expectError(over.body, 422, /the most this server keeps \(MAX_CREDENTIALS\)/);
    } finally {
      await small.stop();
    }
  });
});
