import { DataSource } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';

/**
 * The one handle every store method takes: the data source (a statement on the pool) or an open
 * transaction (`inTransaction`). Nothing beyond `query` is used, so no TypeORM manager or query
 * runner type leaks into the code that runs SQL.
 */
export interface Queryable {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(sql: string, parameters?: unknown[]): Promise<any>;
}

/**
 * Runs `work` in one transaction on one connection of the pool, committed when it resolves and
 * rolled back when it throws; READ COMMITTED unless `isolation` says otherwise.
 */
export function inTransaction<T>(
  dataSource: DataSource,
  work: (q: Queryable) => Promise<T>,
  isolation?: IsolationLevel,
): Promise<T> {
  return isolation
    ? dataSource.transaction(isolation, (m) => work(m))
    : dataSource.transaction((m) => work(m));
}
