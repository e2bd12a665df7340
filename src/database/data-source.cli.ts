import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source';

/** For the TypeORM CLI (`npm run migration:run`); the service migrates itself on start. */
export default new DataSource(dataSourceOptions(loadConfig().databaseUrl, 2));
