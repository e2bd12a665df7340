import { Module } from '@nestjs/common';
import { EventStreamsService } from './event-streams.service';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { FleetEventsController } from './fleet-events.controller';

/** The audit trail: paging through it (also after a delete) and following it live. */
@Module({
  controllers: [EventsController, FleetEventsController],
  providers: [EventsService, EventStreamsService],
  exports: [EventsService],
})
export class EventsModule {}
