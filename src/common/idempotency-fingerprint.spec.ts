import {
  canonicalJson,
  IDEMPOTENCY_KEY_PATTERN,
  requestFingerprint,
} from './idempotency-fingerprint';

describe('canonicalJson', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,1]},"b":1}',
    );
  });

  it('drops undefined members and maps a missing body to null', () => {
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe('requestFingerprint', () => {
  it('ignores key order', () => {
    expect(requestFingerprint('POST', '/deployments', { name: 'a', target_node_count: 3 })).toBe(
      requestFingerprint('post', '/deployments', { target_node_count: 3, name: 'a' }),
    );
  });

  it('differs when the body, the URL or the method differs', () => {
    const base = requestFingerprint('POST', '/deployments', { name: 'a' });
    expect(requestFingerprint('POST', '/deployments', { name: 'b' })).not.toBe(base);
    expect(requestFingerprint('POST', '/deployments/1/nodes', { name: 'a' })).not.toBe(base);
    expect(requestFingerprint('PUT', '/deployments', { name: 'a' })).not.toBe(base);
  });

  it('is a sha256 hex digest', () => {
    expect(requestFingerprint('POST', '/x', {})).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('IDEMPOTENCY_KEY_PATTERN', () => {
  it('accepts UUIDs and rejects blanks, spaces and overlong keys', () => {
    expect(IDEMPOTENCY_KEY_PATTERN.test('3f2b8c1e-0d4a-4c55-9a57-0b5b8d6f4e21')).toBe(true);
    expect(IDEMPOTENCY_KEY_PATTERN.test('')).toBe(false);
    expect(IDEMPOTENCY_KEY_PATTERN.test('a b')).toBe(false);
    expect(IDEMPOTENCY_KEY_PATTERN.test('x'.repeat(256))).toBe(false);
  });
});
