import { Module } from '@nestjs/common';
import { BackendSnapshotService } from './backend-snapshot.service';

/** The snapshot shared by the health probes and the metrics scrape of this process. */
@Module({
  providers: [BackendSnapshotService],
  exports: [BackendSnapshotService],
})
export class BackendSnapshotModule {}
