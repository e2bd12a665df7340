import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * The development key used when SECRETS_KEY is unset outside production: SHA-256 of the text
 * `netorch development secrets key`. It is public (it is written here and in docs/credentials.md),
 * so whatever it seals is only obscured; production refuses to start without SECRETS_KEY.
 */
export const DEVELOPMENT_SECRETS_KEY = createHash('sha256')
  .update('netorch development secrets key')
  .digest();

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value that no configured key opens, or that was altered. */
export class SecretOpenError extends Error {}

/** The 32 bytes a SECRETS_KEY value names: 64 hex digits or base64 (standard or url-safe). */
export function decodeSecretsKey(raw: string): Buffer {
  const text = raw.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(text)
    ? Buffer.from(text, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(text)
      ? Buffer.from(text, 'base64')
      : Buffer.alloc(0);
  if (key.length !== 32) {
    throw new Error('must be 32 bytes as 64 hex digits or base64 (openssl rand -base64 32)');
  }
  return key;
}

/** A key's id in sealed values: 8 hex digits of SHA-256 over the key, which tells keys apart. */
function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * AES-256-GCM under the current key; opens values sealed under the current or the previous key,
 * so a key is rotated by moving it to SECRETS_KEY_PREVIOUS and setting a new SECRETS_KEY.
 * A sealed value is the text `v1:<key id>:<base64 of iv | tag | ciphertext>`; `context` (what
 * the value is, such as `credential`) is authenticated data, so a value sealed for one purpose
 * does not open as another.
 */
export class SecretBox {
  private readonly current: { id: string; key: Buffer };
  private readonly keys: Map<string, Buffer>;

  constructor(current: Buffer, previous?: Buffer) {
    this.current = { id: keyId(current), key: current };
    this.keys = new Map([[this.current.id, current]]);
    if (previous && !previous.equals(current)) this.keys.set(keyId(previous), previous);
  }

  seal(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const sealed = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    return `${VERSION}:${this.current.id}:${sealed}`;
  }

  open(sealed: string, context: string): string {
    const [version, id, data] = sealed.split(':');
    if (version !== VERSION || !id || !data) throw new SecretOpenError('not a sealed value');
    const key = this.keys.get(id);
    if (!key) {
      throw new SecretOpenError(
        `sealed under key ${id}, which is neither SECRETS_KEY nor SECRETS_KEY_PREVIOUS`,
      );
    }
    const raw = Buffer.from(data, 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretOpenError(`a value sealed under key ${id} failed authentication`);
    }
  }
}
