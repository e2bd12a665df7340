import { ConfigError, loadConfig } from './app-config';

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
      logLevel: 'info',
      production: false,
    });
  });

  it('reads numbers, roles and api keys', () => {
    const config = loadConfig({
      PORT: '9000',
      APP_ROLE: 'worker',
      SIM_TIME_SCALE: '0.01',
      API_KEYS: 'abc:rw,def:ro',
    });
    expect(config.port).toBe(9000);
    expect(config.role).toBe('worker');
    expect(config.simTimeScale).toBe(0.01);
    expect(config.apiKeys).toEqual([
      { key: 'abc', access: 'rw' },
      { key: 'def', access: 'ro' },
    ]);
  });

  it.each([
    ['PORT', 'eighty', /PORT="eighty" must be an integer number$/],
    ['SIM_FAILURE_RATE', 'lots', /SIM_FAILURE_RATE="lots" must be a number/],
    ['PORT', '70000', /PORT="70000" must not be greater than 65535/],
    ['APP_ROLE', 'scheduler', /APP_ROLE="scheduler" must be one of/],
    ['SIM_FAILURE_RATE', '1.5', /SIM_FAILURE_RATE/],
    ['DATABASE_URL', 'mysql://x/y', /DATABASE_URL="mysql:\/\/x\/y" must be a postgres/],
    ['API_KEYS', 'nokind', /API_KEYS="nokind" must be a comma list/],
    ['TELEMETRY_INTERVAL_MS', '10', /TELEMETRY_INTERVAL_MS/],
  ])('stops on a bad %s with one line naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('refuses to run open in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/API_KEYS is empty/);
    expect(loadConfig({ NODE_ENV: 'production', API_KEYS: 'k:rw' }).production).toBe(true);
  });
});
