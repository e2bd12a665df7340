import { ConfigError, configSecrets, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8000,
      host: '127.0.0.1',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/netorch',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'netorch',
      role: 'all',
      simTimeScale: 1,
      simFailureRate: 0.05,
      telemetryIntervalMs: 5000,
      telemetryRetentionHours: 168,
      maxNodesPerDeployment: 10000,
      apiKeys: [],
      rateLimitPerMinute: 6000,
      rateLimitBurst: 200,
      rateLimitRedisUrl: 'redis://127.0.0.1:6379',
      dbStatementTimeoutMs: 15000,
      dbPoolSize: 20,
      idempotencyLeaseSeconds: 60,
      logLevel: 'info',
      production: false,
    });
  });

  it('reads numbers, roles and api keys', () => {
    const config = loadConfig({
      PORT: '9000',
      APP_ROLE: 'worker',
      SIM_TIME_SCALE: '0.01',
      API_KEYS: 'ops:abc:rw, def:ro',
    });
    expect(config.port).toBe(9000);
    expect(config.role).toBe('worker');
    expect(config.simTimeScale).toBe(0.01);
    expect(config.apiKeys).toEqual([
      { name: 'ops', secret: 'abc', scope: 'rw' },
      { name: expect.stringMatching(/^key-[0-9a-f]{8}$/), secret: 'def', scope: 'ro' },
    ]);
  });

  it('derives the burst from the per-minute limit unless it is set', () => {
    expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '60' }).rateLimitBurst).toBe(10);
    expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '60000' }).rateLimitBurst).toBe(2000);
    expect(loadConfig({ RATE_LIMIT_BURST: '0' }).rateLimitBurst).toBe(0);
    expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '0' }).rateLimitPerMinute).toBe(0);
  });

  it.each([
    ['PORT', 'eighty', /PORT="eighty" must be an integer number$/],
    ['SIM_FAILURE_RATE', 'lots', /SIM_FAILURE_RATE="lots" must be a number/],
    ['PORT', '70000', /PORT="70000" must not be greater than 65535/],
    ['APP_ROLE', 'scheduler', /APP_ROLE="scheduler" must be one of/],
    ['SIM_FAILURE_RATE', '1.5', /SIM_FAILURE_RATE/],
    ['DATABASE_URL', 'mysql://x/y', /DATABASE_URL="mysql:\/\/x\/y" must be a postgres/],
    ['API_KEYS', 'nokind', /API_KEYS entry 1 must be name:secret:scope/],
    ['TELEMETRY_INTERVAL_MS', '10', /TELEMETRY_INTERVAL_MS/],
    ['DB_POOL_SIZE', '0', /DB_POOL_SIZE="0" must not be less than 1/],
    ['DB_STATEMENT_TIMEOUT_MS', 'soon', /DB_STATEMENT_TIMEOUT_MS="soon" must be an integer/],
    ['RATE_LIMIT_PER_MINUTE', '-1', /RATE_LIMIT_PER_MINUTE/],
    ['IDEMPOTENCY_LEASE_SECONDS', '0', /IDEMPOTENCY_LEASE_SECONDS/],
  ])('stops on a bad %s with one line naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  const KEY = Buffer.alloc(32, 7).toString('base64');

  it('refuses to run open in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/API_KEYS is empty/);
    expect(() => loadConfig({ NODE_ENV: 'production', APP_ROLE: 'api' })).toThrow(/API_KEYS/);
    const worker = { NODE_ENV: 'production', APP_ROLE: 'worker', SECRETS_KEY: KEY };
    expect(loadConfig(worker).apiKeys).toEqual([]);
    expect(
      loadConfig({ NODE_ENV: 'production', API_KEYS: 'ops:0123456789abcdef:rw', SECRETS_KEY: KEY })
        .production,
    ).toBe(true);
  });

  it('refuses to run in production without SECRETS_KEY, and reads hex or base64 keys', () => {
    const env = { NODE_ENV: 'production', API_KEYS: 'ops:0123456789abcdef:rw' };
    expect(() => loadConfig(env)).toThrow(
      /^Invalid configuration: SECRETS_KEY is unset and NODE_ENV=production/,
    );
    expect(() => loadConfig({ APP_ROLE: 'worker', NODE_ENV: 'production' })).toThrow(/SECRETS_KEY/);
    const hex = Buffer.alloc(32, 7).toString('hex');
    expect(loadConfig({ SECRETS_KEY: hex }).secretsKey).toEqual(Buffer.alloc(32, 7));
    expect(loadConfig({ SECRETS_KEY: KEY }).secretsKey).toEqual(Buffer.alloc(32, 7));
    expect(() => loadConfig({ SECRETS_KEY: 'short-and-secret' })).toThrow(
      'Invalid configuration: SECRETS_KEY must be 32 bytes as 64 hex digits or base64 (openssl rand -base64 32)',
    );
  });

  it('refuses short secrets in production, naming the key but not the secret', () => {
    const env = { NODE_ENV: 'production', API_KEYS: 'ops:0123456789abcdef:rw,ci:tiny-secret:ro' };
    expect(() => loadConfig(env)).toThrow(
      'Invalid configuration: API_KEYS key "ci" has a secret of 11 characters; NODE_ENV=production needs at least 16',
    );
    expect(loadConfig({ API_KEYS: 'ci:tiny-secret:ro' }).apiKeys).toHaveLength(1);
  });
});

describe('start-up messages never show a secret', () => {
  function message(env: Record<string, string>): string {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('loadConfig accepted the environment');
  }

  it.each([
    ['a bad scope', 'ops:hunter2-secret:admin'],
    ['a missing scope', 'hunter2-secret'],
    ['too many parts', 'ops:hunter2-secret:rw:extra'],
    ['a bad name', 'o p s:hunter2-secret:rw'],
    ['a duplicate secret', 'a:hunter2-secret:rw,b:hunter2-secret:ro'],
    ['a bad entry after good ones', 'a:hunter2-secret:rw,,b:x:ro'],
  ])('API_KEYS with %s', (_, value) => {
    const text = message({ API_KEYS: value });
    expect(text).toMatch(/^Invalid configuration: API_KEYS /);
    expect(text).not.toContain('hunter2');
  });

  it('names the bad entry and the key, never the secret', () => {
    expect(message({ API_KEYS: 'a:s3cr3t-one:rw,ops:hunter2-secret:admin' })).toBe(
      'Invalid configuration: API_KEYS entry 2 ("ops") has an unknown scope; use ro, rw or push',
    );
    expect(message({ API_KEYS: 'a:hunter2-secret:rw,b:hunter2-secret:ro' })).toBe(
      'Invalid configuration: API_KEYS gives "a" and "b" the same secret',
    );
  });

  it.each([
    ['DATABASE_URL', 'mysql://admin:hunter2@db.example/netorch'],
    ['DATABASE_URL', 'postgres://admin:hunter2@db.example'],
    ['DATABASE_URL', 'postgres://db.example?password=hunter2'],
    ['DATABASE_URL', 'postgres://admin:hunter2@[db/'],
    ['DATABASE_URL', 'postgres://admin:hunter2@db example/x'],
    ['REDIS_URL', 'http://:hunter2@cache.example:6379'],
    ['REDIS_URL', 'hunter2'],
  ])('a bad %s', (name, value) => {
    const text = message({ [name]: value });
    expect(text).toMatch(new RegExp(`^Invalid configuration: ${name}`));
    expect(text).not.toContain('hunter2');
  });

  it('shows a bad URL with its password replaced', () => {
    expect(message({ DATABASE_URL: 'mysql://admin:hunter2@db.example/netorch' })).toBe(
      'Invalid configuration: DATABASE_URL="mysql://admin:***@db.example/netorch" must be a postgres:// URL that names a database',
    );
  });
});

describe('configSecrets', () => {
  it('lists the key secrets and the credentials of every URL variable', () => {
    const config = loadConfig({
      API_KEYS: 'ops:key-secret-1:rw',
      DATABASE_URL: 'postgres://app:db-pass@db/netorch',
      REDIS_URL: 'redis://:redis-pass@cache:6379',
      RATE_LIMIT_REDIS_URL: 'redis://:limit-pass@cache:6379',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318?token=otel-token',
    });
    expect(configSecrets(config).sort()).toEqual(
      ['key-secret-1', 'db-pass', 'db-pass', 'redis-pass', 'redis-pass', 'limit-pass', 'limit-pass']
        .concat(['otel-token', 'otel-token'])
        .sort(),
    );
    expect(configSecrets(loadConfig({}))).toEqual([]);
  });
});
