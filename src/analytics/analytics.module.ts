import { Module } from '@nestjs/common';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsService } from './analytics.service';
import { BottleneckWindowRepository } from './bottleneck-window.repository';

@Module({
  controllers: [AnalyticsController],
  providers: [AnalyticsService, BottleneckWindowRepository],
  exports: [AnalyticsService],
})
export class AnalyticsModule {}
