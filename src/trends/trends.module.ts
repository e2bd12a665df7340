import { Module } from '@nestjs/common';
import { TrendsController } from './trends.controller';
import { TrendsRepository } from './trends.repository';
import { TrendsService } from './trends.service';

/** Trends, node histories and correlations over HTTP; the service is shared with analytics and alerting. */
@Module({
  controllers: [TrendsController],
  providers: [TrendsService, TrendsRepository],
  exports: [TrendsService],
})
export class TrendsModule {}
