import { randomBytes } from 'node:crypto';
import { decodeSecretsKey, SecretBox, SecretOpenError } from './secret-box';

describe('SecretBox', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it('seals with AES-256-GCM: a fresh iv each time, never the plain text', () => {
    const box = new SecretBox(newKey);
    const a = box.seal('community-string', 'credential');
    const b = box.seal('community-string', 'credential');
    expect(a).not.toEqual(b);
    expect(a).not.toContain('community-string');
    expect(a).toMatch(/^v1:[0-9a-f]{8}:[A-Za-z0-9+/]+=*$/);
    expect(box.open(a, 'credential')).toBe('community-string');
  });

  it('opens values of SECRETS_KEY_PREVIOUS after a rotation, not of an unknown key', () => {
    const sealed = new SecretBox(oldKey).seal('s3cret', 'credential');
    expect(new SecretBox(newKey, oldKey).open(sealed, 'credential')).toBe('s3cret');
    expect(() => new SecretBox(newKey).open(sealed, 'credential')).toThrow(
      /neither SECRETS_KEY nor SECRETS_KEY_PREVIOUS/,
    );
  });

  it('refuses an altered value and a value sealed for another purpose', () => {
    const box = new SecretBox(newKey);
    const sealed = box.seal('s3cret', 'credential');
    const data = Buffer.from(sealed.split(':')[2], 'base64');
    data[data.length - 1] ^= 1;
    const altered = `${sealed.split(':').slice(0, 2).join(':')}:${data.toString('base64')}`;
    expect(() => box.open(altered, 'credential')).toThrow(SecretOpenError);
    expect(() => box.open(sealed, 'receiver')).toThrow(SecretOpenError);
    expect(() => box.open('plain text', 'credential')).toThrow(SecretOpenError);
  });

  it('reads keys as 64 hex digits or base64 of 32 bytes', () => {
    expect(decodeSecretsKey(newKey.toString('hex'))).toEqual(newKey);
    expect(decodeSecretsKey(newKey.toString('base64'))).toEqual(newKey);
    expect(decodeSecretsKey(newKey.toString('base64url'))).toEqual(newKey);
    expect(() => decodeSecretsKey('too-short')).toThrow(/32 bytes/);
    expect(() => decodeSecretsKey(randomBytes(16).toString('hex'))).toThrow(/32 bytes/);
  });
});
