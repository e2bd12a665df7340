import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { SecretBox } from '../../src/secrets/secret-box';
import { testPool } from '../support/database';
import { expectError } from '../support/errors';
import { pollUntil } from '../support/poll';
import { deleteQueuePrefix } from '../support/queues';
import { ReceiverServer, signatureVerifies, WebhookPayload } from '../support/receiver-server';
import { Service, startService } from '../support/service';

const PREFIX = `${process.env.QUEUE_PREFIX}_credkeys`;
const OLD = randomBytes(32);
const NEW = randomBytes(32);
const stamp = Date.now();
const PLAIN_SECRET = `stored-in-plain-text-${stamp}`;
const env = {
  QUEUE_PREFIX: PREFIX,
  SIM_TIME_SCALE: '0.02',
  SIM_FAILURE_RATE: '0',
  ALERT_EVAL_INTERVAL_MS: '400',
};

let svc: Service | undefined;
let db: Pool;
const hooks = new ReceiverServer();
const path = `/keys-${stamp}`;
let receiverId: number;
const credentials: number[] = [];

const sealedOf = async (id: number) =>
  (await db.query(`SELECT sealed FROM credentials WHERE id = $1`, [id])).rows[0].sealed as string;

beforeAll(async () => {
  db = testPool();
  await hooks.start();
  // A receiver stored before secrets were encrypted: plain text, not marked sealed.
  const { rows } = await db.query(
    `INSERT INTO alert_receivers (name, type, url, secret, events)
     VALUES ($1, 'webhook', $2, $3, '{ROLLOUT_COMPLETED}') RETURNING id, secret_sealed`,
    [`plain-${stamp}`, hooks.url + path, PLAIN_SECRET],
  );
  expect(rows[0].secret_sealed).toBe(false);
  receiverId = rows[0].id;
});

afterAll(async () => {
  const cleanup =
    svc ?? (await startService({ ...env, APP_ROLE: 'api', SECRETS_KEY: NEW.toString('hex') }));
  for (const id of credentials) await cleanup.http.delete(`/credentials/${id}`);
  await cleanup.http.delete(`/receivers/${receiverId}`);
  await cleanup.stop();
  await hooks.stop();
  await db?.end();
  await deleteQueuePrefix(PREFIX);
});

describe('SECRETS_KEY', () => {
  it('production refuses to start without it, naming the variable', async () => {
    await expect(
      startService({
        APP_ROLE: 'api',
        NODE_ENV: 'production',
        API_KEYS: 'ops:0123456789abcdef0123:rw',
      }),
    ).rejects.toThrow(/SECRETS_KEY is unset and NODE_ENV=production/);
  });

  it('seals plain receiver secrets at start; rotation keeps old values readable and re-seals on write', async () => {
    svc = await startService({ ...env, APP_ROLE: 'api', SECRETS_KEY: OLD.toString('base64') });
    const { rows } = await db.query(
      `SELECT secret, secret_sealed FROM alert_receivers WHERE id = $1`,
      [receiverId],
    );
    expect(rows[0].secret_sealed).toBe(true);
    expect(rows[0].secret).not.toContain(PLAIN_SECRET);
    expect(new SecretBox(OLD).open(rows[0].secret, 'receiver')).toBe(PLAIN_SECRET);
    for (const name of ['first', 'second']) {
      const res = await svc.http
        .post('/credentials')
        .send({ name: `${name}-${stamp}`, kind: 'bearer', token: `${name}-token-${stamp}` })
        .expect(201);
      credentials.push(res.body.id);
    }
    await svc.stop();

    // Rotated: the new key seals, the old one still opens.
    svc = await startService({
      ...env,
      SECRETS_KEY: NEW.toString('hex'),
      SECRETS_KEY_PREVIOUS: OLD.toString('base64'),
    });
    const deployment = await svc.http
      .post('/deployments')
      .send({
        name: `keys-${stamp}`,
        target_node_count: 2,
        strategy: { canary: 1, wave_size: 1, max_failure_percent: 100 },
      })
      .expect(201);
    const delivered = await pollUntil(
      () =>
        hooks
          .on(path)
          .find(
            (r) =>
              (r.body as WebhookPayload).alerts?.[0]?.labels.deployment_id ===
              String(deployment.body.id),
          ),
      'the notification signed with the secret sealed under the previous key',
      { timeoutMs: 90_000 },
    );
    expect(signatureVerifies(PLAIN_SECRET, delivered)).toBe(true);
    await svc.http.delete(`/deployments/${deployment.body.id}`).expect(204);

    const [first, second] = credentials;
    await svc.http
      .patch(`/credentials/${first}`)
      .send({ name: `first-renamed-${stamp}` })
      .expect(200);
    // Sealed again under the new key alone, with the token it had.
    expect(JSON.parse(new SecretBox(NEW).open(await sealedOf(first), 'credential'))).toEqual({
      token: `first-token-${stamp}`,
    });
    await svc.stop();

    // The old key gone: what it sealed cannot be opened, and the answer says why.
    svc = await startService({ ...env, APP_ROLE: 'api', SECRETS_KEY: NEW.toString('hex') });
    const res = await svc.http
      .patch(`/credentials/${second}`)
      .send({ name: `second-renamed-${stamp}` });
    expectError(
      res.body,
      409,
      /neither SECRETS_KEY nor SECRETS_KEY_PREVIOUS\); set SECRETS_KEY_PREVIOUS/,
    );
    await svc.http
      .patch(`/credentials/${first}`)
      .send({ name: `first-again-${stamp}` })
      .expect(200);
    expect(svc.logs()).not.toContain(NEW.toString('hex'));
  });
});
