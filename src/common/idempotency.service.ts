import {
  ConflictException,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { FeatureConfig } from '../config/config-slices';
import { InjectConfig } from '../config/config.module';
import { GenerateSql } from '../database/generate-sql';
import { sleep } from '../database/retry';

/** A claim held by the running request: renewed while it runs until completed or released. */
export interface IdempotencyLease {
  complete(statusCode: number, body: unknown): Promise<void>;
  /** The request failed: nothing was done, so a retry with the key must run afresh. */
  release(): Promise<void>;
  /** Stops renewing (done by complete and release); a claim left so runs out with its lease. */
  stopRenewing(): void;
}

/** What a claim on a key gives: do the work, or answer with the stored response. */
export type IdempotencyClaim =
  | { kind: 'owner'; lease: IdempotencyLease }
  | { kind: 'replay'; statusCode: number; body: unknown };

/** Completed responses are replayed this long. */
const TTL = `interval '24 hours'`;
/** How long a duplicate waits for the first request to finish before it gets 409. */
const WAIT_FOR_FIRST_MS = 30_000;
const PURGE_EVERY_MS = 3_600_000;

/**
 * Idempotency-Key storage in PostgreSQL, so every API process shares it. Keys are scoped to the
 * caller's API key name ('' while the API is open). The first request inserts the key (the
 * primary key settles a race) with a lease of IDEMPOTENCY_LEASE_SECONDS that it renews while it
 * runs, then stores its response; a duplicate waits for that response and returns it. A failed
 * first request releases the key; one whose process died leaves a claim whose lease runs out,
 * and the next request with the same key and body takes it over.
 */
@Injectable()
export class IdempotencyService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyService.name);
  private readonly leaseSeconds: number;
  private purgeTimer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectConfig('idempotency') config: FeatureConfig<'idempotency'>,
  ) {
    this.leaseSeconds = config.idempotencyLeaseSeconds;
  }

  onModuleInit(): void {
    this.purgeTimer = setInterval(() => void this.purgeExpired(), PURGE_EVERY_MS);
    this.purgeTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }

  // In the example the key is taken (the upsert returns no row) and answered (the read finds
  // its stored response): a replay, which starts no lease renewal.
  @GenerateSql({
    name: 'replay',
    params: ['', 'create-dc1', 'fp-1', 'POST', '/deployments'],
    rows: [
      [],
      [
        {
          fingerprint: 'fp-1',
          method: 'POST',
          path: '/deployments',
          status_code: 201,
          response_body: { id: 1 },
        },
      ],
    ],
    deps: [undefined, { idempotencyLeaseSeconds: 30 }],
  })
  async claim(
    scope: string,
    key: string,
    fingerprint: string,
    method: string,
    path: string,
  ): Promise<IdempotencyClaim> {
    const deadline = Date.now() + WAIT_FOR_FIRST_MS;
    const token = randomUUID();
    for (let wait = 20; ; wait = Math.min(wait * 2, 250)) {
      // Free again, taken over atomically by the upsert: a key older than 24 h, or the same
      // request's claim whose lease ran out (its process died before answering).
      const owned: unknown[] = await this.dataSource.query(
        `INSERT INTO idempotency_keys AS k
           (scope, key, fingerprint, method, path, claim_token, lease_expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))
         ON CONFLICT (scope, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,
           method = EXCLUDED.method, path = EXCLUDED.path, status_code = NULL,
           response_body = NULL, created_at = now(), completed_at = NULL,
           claim_token = EXCLUDED.claim_token, lease_expires_at = EXCLUDED.lease_expires_at
         WHERE k.created_at < now() - ${TTL}
            OR (k.status_code IS NULL AND k.fingerprint = EXCLUDED.fingerprint
                AND (k.lease_expires_at IS NULL OR k.lease_expires_at < now()))
         RETURNING key`,
        [scope, key, fingerprint, method, path, token, this.leaseSeconds],
      );
      if (owned.length > 0) return { kind: 'owner', lease: this.lease(scope, key, token) };
      const rows: {
        fingerprint: string;
        method: string;
        path: string;
        status_code: number | null;
        response_body: unknown;
      }[] = await this.dataSource.query(
        `SELECT fingerprint, method, path, status_code, response_body FROM idempotency_keys
         WHERE scope = $1 AND key = $2 AND created_at >= now() - ${TTL}`,
        [scope, key],
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

  private lease(scope: string, key: string, token: string): IdempotencyLease {
    // Renewed three times per lease, so a slow request keeps its claim while it is alive.
    const renewal = setInterval(
      () => {
        this.dataSource
          .query(
            `UPDATE idempotency_keys SET lease_expires_at = now() + make_interval(secs => $4)
             WHERE scope = $1 AND key = $2 AND claim_token = $3 AND status_code IS NULL`,
            [scope, key, token, this.leaseSeconds],
          )
          .catch((error: Error) =>
            this.logger.warn(`Could not renew an idempotency lease: ${error.message}`),
          );
      },
      (this.leaseSeconds * 1000) / 3,
    );
    renewal.unref();
    return {
      stopRenewing: () => clearInterval(renewal),
      complete: async (statusCode, body) => {
        clearInterval(renewal);
        await this.dataSource.query(
          `UPDATE idempotency_keys SET status_code = $4, response_body = $5::json,
             completed_at = now(), lease_expires_at = NULL
           WHERE scope = $1 AND key = $2 AND claim_token = $3`,
          [scope, key, token, statusCode, JSON.stringify(body ?? null)],
        );
      },
      release: async () => {
        clearInterval(renewal);
        await this.dataSource.query(
          `DELETE FROM idempotency_keys
           WHERE scope = $1 AND key = $2 AND claim_token = $3 AND status_code IS NULL`,
          [scope, key, token],
        );
      },
    };
  }

  @GenerateSql({ params: [] })
  async purgeExpired(): Promise<void> {
    try {
      await this.dataSource.query(`DELETE FROM idempotency_keys WHERE created_at < now() - ${TTL}`);
    } catch (error) {
      this.logger.warn(`Could not purge expired idempotency keys: ${(error as Error).message}`);
    }
  }
}
