import { Module } from '@nestjs/common';
import { BackendSnapshotModule } from './backend-snapshot.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({
  imports: [BackendSnapshotModule],
  controllers: [HealthController],
  providers: [HealthService],
})
export class HealthModule {}
