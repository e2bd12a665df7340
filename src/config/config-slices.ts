import type { AppConfig } from './app-config';

/**
 * The part of the configuration each feature reads, by the rows of config-variables.ts it
 * names. A service receives its feature's slice (`@InjectConfig('events')`, config.module.ts), typed as
 * `FeatureConfig<'events'>`: reading any other variable does not compile, and the list here is
 * where to see which feature a variable reaches.
 */
export const CONFIG_SLICES = {
  database: ['databaseUrl', 'dbPoolSize', 'dbStatementTimeoutMs', 'role'],
  queue: ['redisUrl', 'queuePrefix', 'telemetryIntervalMs', 'alertEvalIntervalMs'],
  observability: ['role', 'host', 'metricsPort'],
  idempotency: ['idempotencyLeaseSeconds'],
  deployments: ['maxNodesPerDeployment', 'maxDeployments'],
  nodes: ['maxNodesPerDeployment'],
  rollouts: ['gateTelemetryGraceMs'],
  events: ['maxEventStreams', 'maxEventStreamsPerKey'],
  alerting: [
    'alertEvalIntervalMs',
    'alertRetentionDays',
    'alertExternalUrl',
    'outboundAllowedHosts',
    'production',
    'maxReceivers',
    'maxAlertRulesPerDeployment',
    'maxActiveSilences',
  ],
  metrics: ['role'],
} as const satisfies Record<string, readonly (keyof AppConfig)[]>;

export type ConfigFeature = keyof typeof CONFIG_SLICES;

/** What a feature's services see of the configuration: its rows, read-only. */
export type FeatureConfig<F extends ConfigFeature> = Readonly<
  Pick<AppConfig, (typeof CONFIG_SLICES)[F][number]>
>;

/** The injection token of a feature's slice. */
export function configToken(feature: ConfigFeature): string {
  return `CONFIG:${feature}`;
}

/** A feature's slice of the whole configuration: only its rows, frozen. */
export function configSlice<F extends ConfigFeature>(
  config: AppConfig,
  feature: F,
): FeatureConfig<F> {
  const keys: readonly (keyof AppConfig)[] = CONFIG_SLICES[feature];
  return Object.freeze(
    Object.fromEntries(keys.map((key) => [key, config[key]])),
  ) as FeatureConfig<F>;
}

/** A Nest factory provider of one slice. */
export interface SliceProvider {
  provide: string;
  inject: [symbol];
  useFactory: (config: AppConfig) => object;
}

/** One provider a feature, each made from the whole configuration under `appConfig`. */
export function configSliceProviders(appConfig: symbol): SliceProvider[] {
  return (Object.keys(CONFIG_SLICES) as ConfigFeature[]).map((feature) => ({
    provide: configToken(feature),
    inject: [appConfig],
    useFactory: (config: AppConfig) => configSlice(config, feature),
  }));
}
