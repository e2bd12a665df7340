import { Webhook } from 'standardwebhooks';
import { createHmac } from 'node:crypto';
import { backoffMs, sendVerdict, signedHeaders, tokenHash } from './http-driver';

describe('http driver decisions', () => {
  it('signs the Standard Webhooks way: HMAC-SHA256 over id.timestamp.body', () => {
    const now = new Date('2026-12-08T00:00:00Z');
    const body = '{"run_id":"r"}';
    const headers = signedHeaders('run-1', body, 'secret-0123456789', { 'x-team': 'net' }, now);
    const expected = createHmac('sha256', 'secret-0123456789')
      .update(`run-1.${1796688000}.${body}`)
      .digest('base64');
    expect(headers).toEqual({
      'x-team': 'net',
      'content-type': 'application/json',
      'webhook-id': 'run-1',
      'webhook-timestamp': '1796688000',
      'webhook-signature': `v1,${expected}`,
    });
    const verifier = new Webhook(Buffer.from('secret-0123456789'), { format: 'raw' });
    expect(() =>
      verifier.verify(body, {
        ...headers,
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      }),
    ).toThrow();
    expect(signedHeaders('run-1', body, undefined, {}, now)['webhook-signature']).toBeUndefined();
  });

  it('accepts 2xx, retries 5xx, 408, 429 and silence, and fails other answers with their start', () => {
    const r = (status: number | null, extra: object = {}) => ({
      status,
      error: null,
      prefix: 'no such\n  site',
      durationMs: 1,
      ...extra,
    });
    expect(sendVerdict(r(202))).toEqual({ kind: 'accepted' });
    for (const status of [500, 503, 408, 429]) expect(sendVerdict(r(status)).kind).toBe('retry');
    expect(sendVerdict(r(null, { error: 'timeout after 10000 ms' })).kind).toBe('retry');
    expect(sendVerdict(r(404))).toEqual({ kind: 'fail', message: 'HTTP 404: no such site' });
    expect(sendVerdict(r(null, { error: 'EFORBIDDENADDRESS: x', final: true }))).toEqual({
      kind: 'fail',
      message: 'EFORBIDDENADDRESS: x',
    });
  });

  it('backs off doubling from 1 s to at most 30 s, with jitter', () => {
    expect([1, 2, 3, 6, 10].map((n) => backoffMs(n, 0.5))).toEqual([
      1000, 2000, 4000, 30000, 30000,
    ]);
    expect(backoffMs(1, 0)).toBe(750);
    expect(backoffMs(1, 1)).toBe(1250);
  });

  it('stores a token only as its SHA-256', () => {
    expect(tokenHash('abc').toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
