import { Module } from '@nestjs/common';
import { EventStreamsService } from './event-streams.service';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';

/** The audit trail: paging through it and following it live. */
@Module({
  controllers: [EventsController],
  providers: [EventsService, EventStreamsService],
  exports: [EventsService],
})
export class EventsModule {}
