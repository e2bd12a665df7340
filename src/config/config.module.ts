import { Global, Inject, Module } from '@nestjs/common';
import { AppConfig, loadConfig } from './app-config';
import { configSliceProviders, configToken, CONFIG_SLICES, ConfigFeature } from './config-slices';

export const APP_CONFIG = Symbol('APP_CONFIG');

const slices = configSliceProviders(APP_CONFIG);

/** Injects a feature's slice of the configuration (config-slices.ts says which rows). */
export const InjectConfig = (feature: ConfigFeature): ParameterDecorator =>
  Inject(configToken(feature));

/**
 * The configuration, read once: whole under APP_CONFIG (for the process's start), and each
 * feature's slice under its own token (config-slices.ts).
 */
@Global()
@Module({
  providers: [{ provide: APP_CONFIG, useFactory: (): AppConfig => loadConfig() }, ...slices],
  exports: [
    APP_CONFIG,
    ...(Object.keys(CONFIG_SLICES) as ConfigFeature[]).map((feature) => configToken(feature)),
  ],
})
export class ConfigModule {}
