import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { dataSourceOptions } from './data-source';

/** The connection pool; the schema is prepared before Nest starts (prepareDatabase). */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.databaseUrl, 20),
        retryAttempts: 20,
        retryDelay: 3000,
      }),
    }),
  ],
})
export class DatabaseModule {}
