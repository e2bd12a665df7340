import { legacyKeyName, parseApiKeys } from '../config/api-keys';
import { ApiKeyRing, identifyCaller, presentedKey, scopeAllows } from './api-keys';

describe('parseApiKeys', () => {
  it('reads named keys and the older secret:scope form', () => {
    expect(parseApiKeys('ops:s1:rw, dash:s2:ro,sw-17:s3:push,s4:ro', false)).toEqual([
      { name: 'ops', secret: 's1', scope: 'rw' },
      { name: 'dash', secret: 's2', scope: 'ro' },
      { name: 'sw-17', secret: 's3', scope: 'push' },
      { name: legacyKeyName('s4'), secret: 's4', scope: 'ro' },
    ]);
    expect(parseApiKeys('  ', false)).toEqual([]);
  });

  it('names an older key after a short hash of its secret', () => {
    expect(legacyKeyName('my-secret')).toMatch(/^key-[0-9a-f]{8}$/);
    expect(legacyKeyName('my-secret')).toBe(legacyKeyName('my-secret'));
    expect(legacyKeyName('my-secret')).not.toBe(legacyKeyName('my-secreT'));
  });

  it.each([
    ['a:b:c:rw', /entry 1 \("a"\) has an unknown scope/],
    ['a:b:c:rw:4', /entry 1 must be name:secret:scope/],
    ['ops::rw', /entry 1 has an empty secret/],
    ['ops:s1:admin', /entry 1 \("ops"\) has an unknown scope/],
    ['ops:s1:rw,ops:s2:ro', /names two keys "ops"/],
    ['a:s1:rw,b:s1:ro', /gives "a" and "b" the same secret/],
    ['ops:s1:rw,', /entry 2 must be/],
  ])('refuses %s', (raw, message) => {
    expect(() => parseApiKeys(raw, false)).toThrow(message);
  });
});

describe('scopeAllows', () => {
  const push = '/deployments/:id/telemetry';
  it.each([
    ['rw', 'DELETE', '/deployments/:id', true],
    ['rw', 'POST', push, true],
    ['ro', 'GET', '/deployments', true],
    ['ro', 'HEAD', '/deployments/:id', true],
    ['ro', 'POST', '/deployments', false],
    ['ro', 'PATCH', '/deployments/:id', false],
    ['ro', 'POST', push, false],
    ['push', 'POST', push, true],
    ['push', 'GET', push, false],
    ['push', 'GET', '/deployments', false],
    ['push', 'POST', '/deployments', false],
    ['push', 'DELETE', '/deployments/:id', false],
    ['push', 'POST', undefined, false],
  ] as const)('%s key, %s %s: %s', (scope, method, url, allowed) => {
    expect(scopeAllows(scope, method, url)).toBe(allowed);
  });
});

describe('presentedKey', () => {
  it('reads X-API-Key first, then a bearer token', () => {
    expect(presentedKey({ 'x-api-key': ' k1 ' })).toBe('k1');
    expect(presentedKey({ authorization: 'Bearer k2' })).toBe('k2');
    expect(presentedKey({ authorization: 'bearer   k2 ' })).toBe('k2');
    expect(presentedKey({ 'x-api-key': 'k1', authorization: 'Bearer k2' })).toBe('k1');
  });

  it('finds none in empty or malformed headers', () => {
    expect(presentedKey({})).toBeUndefined();
    expect(presentedKey({ 'x-api-key': '' })).toBeUndefined();
    expect(presentedKey({ authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined();
    expect(presentedKey({ authorization: 'Bearer a b' })).toBeUndefined();
    expect(presentedKey({ authorization: 'Bearer' })).toBeUndefined();
  });
});

describe('ApiKeyRing', () => {
  const keys = parseApiKeys('ops:ops-secret:rw,dash:dash-secret:ro', false);
  const ring = new ApiKeyRing(keys);

  it('finds a key by its secret only', () => {
    expect(ring.find('ops-secret')).toBe(keys[0]);
    expect(ring.find('dash-secret')).toBe(keys[1]);
    for (const guess of ['', 'ops', 'ops-secre', 'ops-secret ', 'ops-secretx', 'OPS-SECRET']) {
      expect(ring.find(guess)).toBeUndefined();
    }
    expect(ring.open).toBe(false);
    expect(new ApiKeyRing([]).open).toBe(true);
  });

  it('identifies a request once and remembers it', () => {
    const request = { headers: { 'x-api-key': 'dash-secret' } };
    expect(identifyCaller(request, ring)).toEqual({ presented: true, key: keys[1] });
    request.headers['x-api-key'] = 'ops-secret';
    expect(identifyCaller(request, ring).key).toBe(keys[1]);
    expect(identifyCaller({ headers: {} }, ring)).toEqual({ presented: false, key: undefined });
    expect(identifyCaller({ headers: { 'x-api-key': 'nope' } }, ring)).toEqual({
      presented: true,
      key: undefined,
    });
  });
});
