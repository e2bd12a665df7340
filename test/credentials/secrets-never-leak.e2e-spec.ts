import Redis from 'ioredis';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { testPool } from '../support/database';
import { pollUntil } from '../support/poll';
import { deleteQueuePrefix } from '../support/queues';
import { ReceiverServer, signatureVerifies, WebhookPayload } from '../support/receiver-server';
import { Service, startService } from '../support/service';

// Queues of this suite's own, so Redis MONITOR sees this service's commands.
const PREFIX = `${process.env.QUEUE_PREFIX}_credleak`;
const stamp = Date.now();
// Every secret this suite hands the service; none may come back out anywhere.
const SECRETS = {
  private_key: `PRIVATE-KEY-${stamp}`,
  password: `ssh-password-${stamp}`,
  community: `community-${stamp}`,
  auth_key: `auth-key-${stamp}`,
  priv_key: `priv-key-${stamp}`,
  secret: `http-secret-${stamp}-0123456789`,
  token: `bearer-token-${stamp}`,
  patched: `patched-token-${stamp}`,
  receiver: `receiver-secret-${stamp}`,
};
const ALL = Object.values(SECRETS);

/** An OTLP/HTTP collector keeping every raw export body. */
function collector(): { server: Server; bodies: string[] } {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return { server, bodies };
}

const otlp = collector();
const hooks = new ReceiverServer();
const redisCommands: string[] = [];
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
let monitor: Awaited<ReturnType<Redis['monitor']>>;
let svc: Service;
let db: Pool;
const credentials: number[] = [];
let receiverId: number | undefined;
let deploymentId: number | undefined;

beforeAll(async () => {
  db = testPool();
  await hooks.start();
  await new Promise<void>((resolve) => otlp.server.listen(0, '127.0.0.1', resolve));
  monitor = await redis.monitor();
  monitor.on('monitor', (_time: string, args: string[]) => redisCommands.push(args.join(' ')));
  svc = await startService({
    QUEUE_PREFIX: PREFIX,
    LOG_LEVEL: 'debug',
    SIM_TIME_SCALE: '0.02',
    SIM_FAILURE_RATE: '0',
    ALERT_EVAL_INTERVAL_MS: '400',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(otlp.server.address() as AddressInfo).port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '200',
  });
});

afterAll(async () => {
  if (deploymentId !== undefined) await svc?.http.delete(`/deployments/${deploymentId}`);
  if (receiverId !== undefined) await svc?.http.delete(`/receivers/${receiverId}`);
  for (const id of credentials) await svc?.http.delete(`/credentials/${id}`);
  await svc?.stop();
  monitor?.disconnect();
  redis.disconnect();
  otlp.server.close();
  await hooks.stop();
  await db?.end();
  await deleteQueuePrefix(PREFIX);
});

describe('secrets never leave the service', () => {
  it('warns loudly that the development key is in use when SECRETS_KEY is unset', () => {
    expect(svc.logs()).toMatch(/SECRETS_KEY is unset: .*PUBLIC DEVELOPMENT KEY/);
  });

  it('not in responses, logs, job payloads or spans, while deliveries stay signed', async () => {
    const bodies = [
      { kind: 'ssh', username: 'netops', private_key: SECRETS.private_key },
      { kind: 'ssh', username: 'netops', password: SECRETS.password },
      { kind: 'snmp-v2c', community: SECRETS.community },
      {
        kind: 'snmp-v3',
        username: 'monitor',
        auth_protocol: 'sha',
        auth_key: SECRETS.auth_key,
        priv_protocol: 'aes256b',
        priv_key: SECRETS.priv_key,
      },
      { kind: 'http-secret', secret: SECRETS.secret },
      { kind: 'bearer', token: SECRETS.token },
    ];
    const answers: unknown[] = [];
    for (const [i, body] of bodies.entries()) {
      const res = await svc.http.post('/credentials').send({ name: `leak-${stamp}-${i}`, ...body });
      expect(res.status).toBe(201);
      credentials.push(res.body.id);
      answers.push(res.body);
    }
    // A bad request that carries a secret: the 422 names the field, not the value.
    const bad = await svc.http
      .post('/credentials')
      .send({ name: `leak-bad-${stamp}`, kind: 'bearer', token: SECRETS.token, community: 1 });
    expect(bad.status).toBe(422);
    answers.push(bad.body);
    const last = credentials[credentials.length - 1];
    answers.push(
      (await svc.http.patch(`/credentials/${last}`).send({ token: SECRETS.patched })).body,
    );
    answers.push((await svc.http.get('/credentials')).body);
    answers.push((await svc.http.get(`/credentials/${last}`)).body);

    // A receiver with a secret, notified when a rollout completes.
    const path = `/leak-${stamp}`;
    const receiver = await svc.http.post('/receivers').send({
      name: `leak-${stamp}`,
      type: 'webhook',
      url: hooks.url + path,
      secret: SECRETS.receiver,
      events: ['ROLLOUT_COMPLETED'],
    });
    expect(receiver.status).toBe(201);
    receiverId = receiver.body.id;
    answers.push(receiver.body, (await svc.http.get(`/receivers/${receiverId}`)).body);
    const { rows } = await db.query(
      `SELECT secret, secret_sealed FROM alert_receivers WHERE id = $1`,
      [receiverId],
    );
    expect(rows[0].secret_sealed).toBe(true);
    expect(rows[0].secret).toMatch(/^v1:[0-9a-f]{8}:/);

    const deployment = await svc.http.post('/deployments').send({
      name: `leak-${stamp}`,
      target_node_count: 3,
      strategy: { canary: 1, wave_size: 2, max_failure_percent: 100 },
    });
    expect(deployment.status).toBe(201);
    deploymentId = deployment.body.id;
    const delivered = await pollUntil(
      () =>
        hooks
          .on(path)
          .find(
            (r) =>
              (r.body as WebhookPayload).alerts?.[0]?.labels.deployment_id === String(deploymentId),
          ),
      'the ROLLOUT_COMPLETED notification',
      { timeoutMs: 90_000 },
    );
    expect(signatureVerifies(SECRETS.receiver, delivered)).toBe(true);

    // The spans of the credential requests were exported.
    await pollUntil(
      () => otlp.bodies.some((b) => b.includes('PATCH /credentials/:id')) || undefined,
      'the span of the PATCH',
    );
    const places = {
      responses: JSON.stringify(answers),
      logs: svc.logs(),
      'redis commands (job payloads)': redisCommands.join('\n'),
      spans: otlp.bodies.join('\n'),
      notifications: hooks.received.map((r) => r.raw + JSON.stringify(r.headers)).join('\n'),
    };
    expect(redisCommands.some((c) => c.includes(PREFIX))).toBe(true);
    for (const [place, text] of Object.entries(places)) {
      const found = ALL.filter((secret) => text.includes(secret));
      expect({ place, found }).toEqual({ place, found: [] });
    }
  });
});
