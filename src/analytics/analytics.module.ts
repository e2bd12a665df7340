import { Module } from '@nestjs/common';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsService } from './analytics.service';
import { BottleneckWindowRepository } from './bottleneck-window.repository';
import { TrendsModule } from '../trends/trends.module';

@Module({
  imports: [TrendsModule],
  controllers: [AnalyticsController],
  providers: [AnalyticsService, BottleneckWindowRepository],
  exports: [AnalyticsService],
})
export class AnalyticsModule {}
