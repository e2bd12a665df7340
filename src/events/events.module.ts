import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';

/** The audit trail: paging through it and following it live. */
@Module({
  imports: [DeploymentsModule],
  controllers: [EventsController],
  providers: [EventsService],
  exports: [EventsService],
})
export class EventsModule {}
