import {
  ConflictException,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { sleep } from './retry';

/** What a claim on a key gives: do the work, or answer with the stored response. */
export type IdempotencyClaim =
  { kind: 'owner' } | { kind: 'replay'; statusCode: number; body: unknown };

const TTL = `interval '24 hours'`;
/** How long a duplicate waits for the first request to finish before it gets 409. */
const WAIT_FOR_FIRST_MS = 30_000;
const PURGE_EVERY_MS = 3_600_000;

/**
 * Idempotency-Key storage in PostgreSQL, so every API process shares it. The first request
 * inserts the key (the primary key settles a race), runs, and stores its response; a duplicate
 * waits for that response and returns it. A failed first request releases the key.
 */
@Injectable()
export class IdempotencyService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyService.name);
  private purgeTimer?: NodeJS.Timeout;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    this.purgeTimer = setInterval(() => void this.purgeExpired(), PURGE_EVERY_MS);
    this.purgeTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }

  async claim(
    key: string,
    fingerprint: string,
    method: string,
    path: string,
  ): Promise<IdempotencyClaim> {
    const deadline = Date.now() + WAIT_FOR_FIRST_MS;
    for (let wait = 20; ; wait = Math.min(wait * 2, 250)) {
      // A key older than 24 h is free again: the upsert takes it over atomically.
      const owned: unknown[] = await this.dataSource.query(
        `INSERT INTO idempotency_keys (key, fingerprint, method, path) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, method = EXCLUDED.method,
           path = EXCLUDED.path, status_code = NULL, response_body = NULL, created_at = now(),
           completed_at = NULL
         WHERE idempotency_keys.created_at < now() - ${TTL}
         RETURNING key`,
        [key, fingerprint, method, path],
      );
      if (owned.length > 0) return { kind: 'owner' };
      const rows: {
        fingerprint: string;
        method: string;
        path: string;
        status_code: number | null;
        response_body: unknown;
      }[] = await this.dataSource.query(
        `SELECT fingerprint, method, path, status_code, response_body FROM idempotency_keys
         WHERE key = $1 AND created_at >= now() - ${TTL}`,
        [key],
      );
      const row = rows[0];
      if (row) {
        if (row.fingerprint !== fingerprint) {
          throw new UnprocessableEntityException(
            `Idempotency-Key was already used for another request (${row.method} ${row.path} with a different body); use a new key`,
          );
        }
        if (row.status_code !== null) {
          return { kind: 'replay', statusCode: row.status_code, body: row.response_body };
        }
      }
      // The first request is still running (or just released the key): wait and look again.
      if (Date.now() > deadline) {
        throw new ConflictException(
          'A request with this Idempotency-Key is still being processed; retry shortly',
        );
      }
      await sleep(wait);
    }
  }

  async complete(key: string, statusCode: number, body: unknown): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET status_code = $2, response_body = $3::json, completed_at = now()
       WHERE key = $1`,
      [key, statusCode, JSON.stringify(body ?? null)],
    );
  }

  /** The first request failed: nothing was done, so a retry with the key must run afresh. */
  async release(key: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE key = $1 AND status_code IS NULL`,
      [key],
    );
  }

  async purgeExpired(): Promise<void> {
    try {
      await this.dataSource.query(`DELETE FROM idempotency_keys WHERE created_at < now() - ${TTL}`);
    } catch (error) {
      this.logger.warn(`Could not purge expired idempotency keys: ${(error as Error).message}`);
    }
  }
}
