import { createHmac } from 'node:crypto';
import { signPayload, verifySignature } from './signature';

describe('notification signature', () => {
  const body = '{"version":"4","status":"firing"}';

  it('is sha256= and the hex HMAC-SHA256 of timestamp "." body under the secret', () => {
    const expected = createHmac('sha256', 'top-secret-1')
      .update(`1764237600.${body}`)
      .digest('hex');
    expect(signPayload('top-secret-1', '1764237600', body)).toBe(`sha256=${expected}`);
  });

  it('verifies only the same secret, timestamp and body', () => {
    const sig = signPayload('top-secret-1', '1764237600', body);
    expect(verifySignature('top-secret-1', '1764237600', body, sig)).toBe(true);
    expect(verifySignature('top-secret-2', '1764237600', body, sig)).toBe(false);
    expect(verifySignature('top-secret-1', '1764237601', body, sig)).toBe(false);
    expect(verifySignature('top-secret-1', '1764237600', `${body} `, sig)).toBe(false);
    expect(verifySignature('top-secret-1', '1764237600', body, 'sha256=00')).toBe(false);
  });
});
