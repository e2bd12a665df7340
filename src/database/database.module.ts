import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { configToken, FeatureConfig } from '../config/config-slices';
import { dataSourceOptions } from './data-source';

/**
 * The process's one connection pool (DB_POOL_SIZE), shared by the API and the workers when
 * both run in one process; the schema is prepared before Nest starts (prepareDatabase).
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [configToken('database')],
      useFactory: (config: FeatureConfig<'database'>) => ({
        // The statement timeout guards API requests; a worker-only process runs without one.
        ...dataSourceOptions(
          config.databaseUrl,
          config.dbPoolSize,
          config.role === 'worker' ? 0 : config.dbStatementTimeoutMs,
        ),
        retryAttempts: 20,
        retryDelay: 3000,
      }),
    }),
  ],
})
export class DatabaseModule {}
