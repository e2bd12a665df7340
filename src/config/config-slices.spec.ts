import { loadConfig } from './app-config';
import { CONFIG_SLICES, ConfigFeature, configSlice, configSliceProviders } from './config-slices';
import { CONFIG_DEPENDENT_VARIABLES } from './config-dependent-variables';
import { CONFIG_VARIABLES } from './config-variables';

describe('configuration slices', () => {
  const config = loadConfig({ MAX_NODES_PER_DEPLOYMENT: '77', MAX_EVENT_STREAMS: '9' });

  it('gives a feature only the rows it names, with their values, frozen', () => {
    const events = configSlice(config, 'events');
    expect(events).toEqual({
      maxEventStreams: 9,
      maxEventStreamsPerKey: config.maxEventStreamsPerKey,
    });
    expect(Object.isFrozen(events)).toBe(true);
    expect(configSlice(config, 'nodes')).toEqual({ maxNodesPerDeployment: 77 });
    expect('databaseUrl' in configSlice(config, 'deployments')).toBe(false);
  });

  it('names only rows of the variable table, each once a slice', () => {
    const rows = new Set(Object.keys({ ...CONFIG_VARIABLES, ...CONFIG_DEPENDENT_VARIABLES }));
    for (const keys of Object.values(CONFIG_SLICES) as readonly (readonly string[])[]) {
      expect(keys.filter((key) => !rows.has(key))).toEqual([]);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('provides every slice from the whole configuration under its own token', () => {
    const token = Symbol('config');
    const providers = configSliceProviders(token);
    expect(providers.map((p) => p.provide)).toEqual(
      (Object.keys(CONFIG_SLICES) as ConfigFeature[]).map((f) => `CONFIG:${f}`),
    );
    for (const p of providers) expect(p.inject).toEqual([token]);
    expect(providers.find((p) => p.provide === 'CONFIG:rollouts')!.useFactory(config)).toEqual({
      gateTelemetryGraceMs: config.gateTelemetryGraceMs,
    });
  });
});
