import { decodeSecretsKey } from '../secrets/secret-box';
import { InvalidValue, Sensitivity } from './config-variable';

/** Every text form of a key, so log lines carry none of them. */
function keyForms(key: Buffer | undefined): string[] {
  return key ? [key.toString('hex'), key.toString('base64'), key.toString('base64url')] : [];
}

/** What SECRETS_KEY and SECRETS_KEY_PREVIOUS share: how they are read and never shown. */
export const SECRETS_KEY_ROW = {
  group: 'Security' as const,
  parse(raw: string): Buffer {
    try {
      return decodeSecretsKey(raw);
    } catch (error) {
      throw new InvalidValue((error as Error).message, false);
    }
  },
  sensitive: { secrets: keyForms } satisfies Sensitivity<Buffer | undefined>,
};
