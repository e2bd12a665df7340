import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { inTransaction } from '../store/queryable';
import { SecretBox } from './secret-box';

/** What receiver secrets are sealed as (authenticated data of SecretBox). */
export const RECEIVER_SECRET_CONTEXT = 'receiver';

/**
 * Seals the receiver secrets still stored in plain text, as every process starts: those written
 * before secrets were encrypted (alert_receivers.secret_sealed false). The migration cannot do
 * it, since the key lives in the application's environment and not in the database; the rows
 * are locked and sealed in one transaction, so processes starting together seal each row once
 * (the second waits, then finds nothing left to seal).
 */
@Injectable()
export class ReceiverSecretsSealer implements OnModuleInit {
  private readonly logger = new Logger('Secrets');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
  ) {}

  async onModuleInit(): Promise<void> {
    const sealed = await this.sealPlainSecrets();
    if (sealed > 0) this.logger.log(`Encrypted ${sealed} receiver secrets stored in plain text`);
  }

  async sealPlainSecrets(): Promise<number> {
    return inTransaction(this.dataSource, async (q) => {
      const rows: { id: number; secret: string }[] = await q.query(
        `SELECT id, secret FROM alert_receivers
         WHERE secret IS NOT NULL AND NOT secret_sealed ORDER BY id FOR UPDATE`,
      );
      if (rows.length === 0) return 0;
      await q.query(
        `UPDATE alert_receivers x SET secret = s.sealed, secret_sealed = true
         FROM unnest($1::int[], $2::text[]) AS s (id, sealed) WHERE x.id = s.id`,
        [rows.map((r) => r.id), rows.map((r) => this.box.seal(r.secret, RECEIVER_SECRET_CONTEXT))],
      );
      return rows.length;
    });
  }
}
