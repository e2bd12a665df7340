import { createHash } from 'node:crypto';
import { ConfigError } from './config-error';

/**
 * What a key may do: `ro` every GET and HEAD, `rw` everything, `push` only the device telemetry
 * push (a key that lives on a switch must not be able to delete a fabric).
 */
export const API_KEY_SCOPES = ['ro', 'rw', 'push'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKey {
  /** Shown in audit events, logs and rate-limit messages; never secret. */
  name: string;
  secret: string;
  scope: ApiKeyScope;
  /**
   * The deployments a key bound to fabrics may touch (the optional fourth field, ids joined by
   * `|`); undefined: every deployment.
   */
  deployments?: number[];
}

/** NODE_ENV=production refuses secrets shorter than this. */
export const MIN_PRODUCTION_SECRET_LENGTH = 16;

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
// Visible ASCII without the two separators of the list.
const SECRET = /^[\x21-\x2b\x2d-\x39\x3b-\x7e]+$/;

const FORMS =
  'name:secret:scope (scope ro, rw or push), name:secret:scope:ids (deployment ids joined by |), or the older secret:rw / secret:ro';
const DEPLOYMENT_IDS = /^[1-9]\d{0,9}(\|[1-9]\d{0,9})*$/;

/** The name of a key given in the older `secret:scope` form: a short hash of its secret. */
export function legacyKeyName(secret: string): string {
  return `key-${createHash('sha256').update(secret).digest('hex').slice(0, 8)}`;
}

function fail(reason: string): never {
  throw new ConfigError(`Invalid configuration: API_KEYS ${reason}`);
}

/**
 * Parses API_KEYS, a comma list of `name:secret:scope` or `secret:scope`. Every message names
 * the entry by its position and name, never by its secret.
 */
export function parseApiKeys(raw: string, production: boolean): ApiKey[] {
  const text = raw.trim();
  if (text === '') return [];
  const keys = text.split(',').map((entry, index): ApiKey => {
    const at = `entry ${index + 1}`;
    const parts = entry.trim().split(':');
    if (parts.length < 2 || parts.length > 4) fail(`${at} must be ${FORMS}`);
    const bound = parts.length === 4 ? parts.pop()! : undefined;
    const [secret, scope] = parts.slice(-2);
    if (!secret || !SECRET.test(secret)) {
      fail(`${at} has an empty secret or one with spaces or control characters`);
    }
    let name: string;
    if (parts.length === 3) {
      if (!NAME.test(parts[0])) fail(`${at} needs a name of 1-64 of A-Z a-z 0-9 _ . -`);
      name = parts[0];
    } else {
      name = legacyKeyName(secret);
    }
    if (!(API_KEY_SCOPES as readonly string[]).includes(scope)) {
      fail(`${at} ("${name}") has an unknown scope; use ro, rw or push`);
    }
    if (bound === undefined) return { name, secret, scope: scope as ApiKeyScope };
    if (!DEPLOYMENT_IDS.test(bound)) {
      fail(`${at} ("${name}") needs deployment ids joined by | as its fourth field (4|9)`);
    }
    const deployments = [...new Set(bound.split('|').map(Number))];
    return { name, secret, scope: scope as ApiKeyScope, deployments };
  });
  keys.forEach((key, index) => {
    const earlier = keys.slice(0, index);
    if (earlier.some((other) => other.name === key.name)) {
      fail(`names two keys "${key.name}"; every key needs its own name`);
    }
    const twin = earlier.find((other) => other.secret === key.secret);
    if (twin) fail(`gives "${twin.name}" and "${key.name}" the same secret`);
    if (production && key.secret.length < MIN_PRODUCTION_SECRET_LENGTH) {
      fail(
        `key "${key.name}" has a secret of ${key.secret.length} characters; NODE_ENV=production needs at least ${MIN_PRODUCTION_SECRET_LENGTH}`,
      );
    }
  });
  return keys;
}
