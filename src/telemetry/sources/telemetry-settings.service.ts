import { Injectable, UnprocessableEntityException } from '@nestjs/common';
import { TelemetryDto } from './telemetry.dto';
import { DeploymentTelemetry } from './telemetry-config';
import { normalizeTelemetry, TelemetryConfigError } from './normalize-telemetry';

/**
 * A check of a telemetry block against the world outside the request (a credential's kind, a
 * Prometheus server's parser): throws an HttpException (422) naming what is wrong.
 */
export type TelemetryCheck = (telemetry: DeploymentTelemetry) => Promise<void>;

/**
 * Turns the `telemetry` of a create or a PATCH into the block to store, or a 422 that changes
 * nothing. Sources that need outside checks add them with {@link addCheck}.
 */
@Injectable()
export class TelemetrySettingsService {
  private readonly checks: TelemetryCheck[] = [];

  addCheck(check: TelemetryCheck): void {
    this.checks.push(check);
  }

  async settle(dto: TelemetryDto): Promise<DeploymentTelemetry> {
    let telemetry: DeploymentTelemetry;
    try {
      telemetry = normalizeTelemetry(dto);
    } catch (error) {
      if (error instanceof TelemetryConfigError) {
        throw new UnprocessableEntityException(error.message);
      }
      throw error;
    }
    for (const check of this.checks) await check(telemetry);
    return telemetry;
  }
}
