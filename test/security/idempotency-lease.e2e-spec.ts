import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { requestFingerprint } from '../../src/common/idempotency-fingerprint';
import { testPool } from '../support/database';
import { sleep } from '../support/poll';
import { Service, startService } from '../support/service';

const OPS = 'lease-ops-secret';
const CI = 'lease-ci-secret';
let api: Service;
let pool: Pool;

beforeAll(async () => {
  api = await startService({
    APP_ROLE: 'api',
    API_KEYS: `lease-ops:${OPS}:rw,lease-ci:${CI}:rw`,
    IDEMPOTENCY_LEASE_SECONDS: '60',
  });
  pool = testPool();
});

afterAll(async () => {
  await pool?.end();
  await api?.stop();
});

const body = (name: string) => ({ name, target_node_count: 1 });
const create = (key: string, idempotencyKey: string, name: string) =>
  api.http
    .post('/deployments')
    .set('X-API-Key', key)
    .set('Idempotency-Key', idempotencyKey)
    .send(body(name));

/** The row a request leaves behind when its process dies after claiming the key. */
async function leaveClaim(idempotencyKey: string, name: string, leaseEnds: string) {
  await pool.query(
    `INSERT INTO idempotency_keys
       (scope, key, fingerprint, method, path, claim_token, created_at, lease_expires_at)
     VALUES ('lease-ops', $1, $2, 'POST', '/deployments', $3,
             now() - interval '5 minutes', now() + $4::interval)`,
    [
      idempotencyKey,
      requestFingerprint('POST', '/deployments', body(name)),
      randomUUID(),
      leaseEnds,
    ],
  );
}

describe('Idempotency-Key leases', () => {
  it('takes over a claim whose lease ran out (its request died) and serves the retry', async () => {
    const key = `crashed-${randomUUID()}`;
    await leaveClaim(key, 'after-crash', '-4 minutes');
    const retry = await create(OPS, key, 'after-crash');
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body.name).toBe('after-crash');
    // The retry's answer is now the stored one.
    const again = await create(OPS, key, 'after-crash');
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(retry.body);
  });

  it('waits on a claim whose lease still runs, and answers with its response', async () => {
    const key = `running-${randomUUID()}`;
    await leaveClaim(key, 'in-flight', '1 hour');
    let settled = false;
    const waiting = create(OPS, key, 'in-flight').then((res) => {
      settled = true;
      return res;
    });
    // Proves the request waits (never takes a live claim over): a second in which it must not
    // answer; a slow machine can only make this pass, never fail.
    await sleep(1000);
    expect(settled).toBe(false);
    const stored = { id: 424242, name: 'in-flight', marker: 'first-response' };
    await pool.query(
      `UPDATE idempotency_keys SET status_code = 201, response_body = $2::json,
         completed_at = now(), lease_expires_at = NULL
       WHERE scope = 'lease-ops' AND key = $1`,
      [key, JSON.stringify(stored)],
    );
    const res = await waiting;
    expect(res.status).toBe(201);
    expect(res.headers['idempotent-replayed']).toBe('true');
    expect(res.body).toEqual(stored);
    const made = await pool.query(
      `SELECT count(*)::int AS n FROM deployments WHERE name = 'in-flight'`,
    );
    expect(made.rows[0].n).toBe(0);
  });

  it('does not take over an expired claim for another body', async () => {
    const key = `other-body-${randomUUID()}`;
    await leaveClaim(key, 'first-body', '-4 minutes');
    const res = await create(OPS, key, 'second-body');
    expect(res.status).toBe(422);
  });

  it('keeps keys of different API keys apart', async () => {
    const key = `shared-${randomUUID()}`;
    const a = await create(OPS, key, 'same-body');
    const b = await create(CI, key, 'same-body');
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.body.id).not.toBe(a.body.id);
    const replay = await create(CI, key, 'same-body');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(b.body.id);
    const { rows } = await pool.query(
      `SELECT scope FROM idempotency_keys WHERE key = $1 ORDER BY scope`,
      [key],
    );
    expect(rows).toEqual([{ scope: 'lease-ci' }, { scope: 'lease-ops' }]);
  });
});
