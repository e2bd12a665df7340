import { Module } from '@nestjs/common';
import { TelemetrySettingsService } from './telemetry-settings.service';

/** The API side of telemetry sources: what a deployment's `telemetry` block may say. */
@Module({ providers: [TelemetrySettingsService], exports: [TelemetrySettingsService] })
export class TelemetrySettingsModule {}
