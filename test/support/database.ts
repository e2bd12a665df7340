import { Pool } from 'pg';

/** A direct connection to this run's database, for assertions behind the API's back. */
export function testPool(): Pool {
  return new Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
}
