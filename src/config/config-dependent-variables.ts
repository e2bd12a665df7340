import { ApiKey, parseApiKeys } from './api-keys';
import { ConfigVariable, integer, url, URL_WITH_CREDENTIALS } from './config-variable';
import { BaseConfig, baseUrl, hostPatterns, REDIS_URL } from './config-variables';

/** Identity, so a dependent row's types are inferred against BaseConfig. */
const dependent = <T>(row: ConfigVariable<T, BaseConfig>) => row;

const rateLimitBurstCheck = integer(0, 10_000_000);

/** The default burst: a 30th of the minute's allowance (twice its average rate), at least 10. */
export function defaultBurst(perMinute: number): number {
  return Math.max(10, Math.ceil(perMinute / 30));
}

/** Variables whose value or default depends on the variables above; read after them. */
export const CONFIG_DEPENDENT_VARIABLES = {
  apiKeys: dependent<ApiKey[]>({
    env: 'API_KEYS',
    group: 'Security',
    shownDefault: '(empty)',
    // parseApiKeys's messages name entries by position and key name, never by secret.
    sensitive: { secrets: (keys) => keys.map((key) => key.secret) },
    parse: (raw, basis) => parseApiKeys(raw, basis.production),
    fallback: () => [],
    description:
      "comma list of `name:secret:scope`, scope `ro` (every GET and HEAD), `rw` (everything) or `push` (only `POST /deployments/{id}/telemetry`); the older `secret:rw` / `secret:ro` still work, named `key-` + 8 hex digits of the secret's SHA-256. Sent as `X-API-Key` or `Authorization: Bearer`. Empty = open (logged loudly); with `NODE_ENV=production` the API refuses to start open or with a secret under 16 characters",
  }),
  rateLimitBurst: dependent({
    env: 'RATE_LIMIT_BURST',
    group: 'Security',
    shownDefault: '`RATE_LIMIT_PER_MINUTE`/30, at least 10 (200)',
    parse: (raw) => rateLimitBurstCheck(raw),
    fallback: (basis) => defaultBurst(basis.rateLimitPerMinute),
    description:
      "requests per client within any one second, checked beside the minute's allowance; the default is twice the minute's average rate per second, so a client may catch up after a pause but cannot spend its minute in one second; 0 = no per-second limit",
  }),
  rateLimitRedisUrl: dependent<string>({
    env: 'RATE_LIMIT_REDIS_URL',
    group: 'Security',
    shownDefault: '`REDIS_URL`',
    sensitive: URL_WITH_CREDENTIALS,
    parse: url(REDIS_URL, 'must be a redis:// URL'),
    fallback: (basis) => basis.redisUrl,
    description: 'where the rate-limit counters live (keys `<QUEUE_PREFIX>:ratelimit:*`)',
  }),
  outboundAllowedHosts: dependent<string[]>({
    env: 'OUTBOUND_ALLOWED_HOSTS',
    group: 'Security',
    shownDefault: '`RECEIVER_ALLOWED_HOSTS` (empty = any)',
    parse: (raw) => hostPatterns(raw),
    fallback: (basis) => basis.receiverAllowedHosts,
    description:
      'comma list of host patterns (`example.com`, `*.example.com`, `10.0.0.5`, `*`) that receiver URLs, http provisioning endpoints and Prometheus sources may name; empty = any host. Refused whatever it says: link-local, cloud metadata addresses and names, unspecified, multicast, broadcast, CGNAT (100.64.0.0/10) and the IPv6 forms of these; loopback is refused with `NODE_ENV=production` unless a pattern other than `*` names it. Private ranges are allowed. Checked when a URL is accepted and again at every connection, after DNS',
  }),
  alertExternalUrl: dependent({
    env: 'ALERT_EXTERNAL_URL',
    group: 'Alerting',
    shownDefault: '`http://HOST:PORT`',
    parse: (raw) => baseUrl(raw),
    fallback: (basis) => `http://${basis.host}:${basis.port}`,
    description: "netorch's address as notifications name it (`externalURL`, `generatorURL`)",
  }),
};
