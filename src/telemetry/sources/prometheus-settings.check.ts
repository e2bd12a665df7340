import { Inject, Injectable, OnModuleInit, UnprocessableEntityException } from '@nestjs/common';
import { outboundPolicy, outboundUrlCheck } from '../../common/outbound-address';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import {
  CredentialSecrets,
  CredentialUnavailableError,
} from '../../credentials/credential-secrets.service';
import { instantQuery, PrometheusQueryError } from './prometheus-client';
import { PROMETHEUS_METRICS } from './prometheus-match';
import { DeploymentTelemetry } from './telemetry-config';
import { TelemetrySettingsService } from './telemetry-settings.service';

/**
 * At create and PATCH, a `telemetry.prometheus` block is tried before it is stored: its URL
 * against the outbound address rule, its credential (a bearer one), and each query run once
 * against the server. A refused URL, an unusable credential or a query Prometheus rejects is
 * 422 naming it (with Prometheus's own error for the query); nothing is stored then. A server
 * that does not answer is no reason to refuse the block.
 */
@Injectable()
export class PrometheusSettingsCheck implements OnModuleInit {
  constructor(
    private readonly settings: TelemetrySettingsService,
    private readonly credentials: CredentialSecrets,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.settings.addCheck((telemetry) => this.check(telemetry));
  }

  async check({ prometheus }: DeploymentTelemetry): Promise<void> {
    if (!prometheus) return;
    const policy = outboundPolicy(this.config);
    const problem = await outboundUrlCheck(prometheus.url, policy, {
      field: 'telemetry.prometheus.url',
    });
    if (problem) throw new UnprocessableEntityException(problem);
    let token: string | undefined;
    if (prometheus.credential !== null) {
      try {
        token = (await this.credentials.resolve(prometheus.credential, ['bearer'])).token;
      } catch (error) {
        if (!(error instanceof CredentialUnavailableError)) throw error;
        throw new UnprocessableEntityException(`telemetry.prometheus.credential: ${error.message}`);
      }
    }
    for (const metric of PROMETHEUS_METRICS) {
      const query = prometheus.queries[metric];
      if (!query) continue;
      try {
        await instantQuery({ url: prometheus.url, token, policy }, query);
      } catch (error) {
        if (!(error instanceof PrometheusQueryError)) throw error;
        // A server that cannot be asked now (not started yet, down) does not make the block
        // wrong: it is stored, and its ticks fail and are counted until the server answers.
        if (!error.rejected) return;
        throw new UnprocessableEntityException(
          `telemetry.prometheus.queries.${metric}: ${error.message}`,
        );
      }
    }
  }
}
