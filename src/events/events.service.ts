import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  UnprocessableEntityException,
} from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { parseIsoDate } from '../common/iso-date';
import { sleep } from '../common/retry';
import { nodeName, parseNodeRef } from '../domain/node-ref';
import { DeploymentsRepository } from '../store/deployments.repository';
import {
  EventFilter,
  EventsRepository,
  STREAM_START,
  StreamCursor,
} from '../store/events.repository';
import { EventListResponse, EventResponse } from './dto/event.response';
import { ListEventsQuery } from './dto/list-events.query';

const STREAM_BATCH = 500;
const POLL_MS = 250;
const KEEP_ALIVE_MS = 15_000;

@Injectable()
export class EventsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventsService.name);
  private readonly open = new Set<ServerResponse>();
  private shuttingDown = false;

  constructor(
    @Inject(EventsRepository) private readonly events: EventsRepository,
    @Inject(DeploymentsRepository) private readonly deployments: DeploymentsRepository,
  ) {}

  /** Oldest first; `since` is an event id (exclusive, the paging cursor) or a time (inclusive). */
  async list(deploymentId: number, query: ListEventsQuery): Promise<EventListResponse> {
    await this.requireDeployment(deploymentId);
    const filter: EventFilter = { limit: query.limit };
    if (query.type) filter.type = query.type.toUpperCase();
    if (query.node_id) {
      const ref = parseNodeRef(query.node_id);
      if (!ref) throw new UnprocessableEntityException('node_id must be a node id or a name');
      if (ref.kind === 'id') filter.nodeId = ref.id;
      else filter.nodeIdentifier = nodeName(ref.seq);
    }
    if (query.since) {
      if (/^\d+$/.test(query.since)) {
        filter.afterId = query.since;
      } else {
        const at = parseIsoDate(query.since);
        if (!at) {
          throw new UnprocessableEntityException(
            'since must be an event id or an ISO 8601 date-time such as 2026-11-27T10:00:00Z',
          );
        }
        filter.since = at;
      }
    }
    const events = (await this.events.list(deploymentId, filter)).map((row) =>
      EventResponse.from(row),
    );
    return {
      events,
      next_since: events.length === query.limit ? events[events.length - 1].id : null,
    };
  }

  /**
   * Where a reconnecting client resumes: right after the event it saw last (404 when the
   * deployment is gone, 422 for an id that is not one).
   */
  async cursorAfter(deploymentId: number, lastEventId: string | undefined): Promise<StreamCursor> {
    await this.requireDeployment(deploymentId);
    if (lastEventId === undefined || lastEventId.trim() === '') return STREAM_START;
    if (!/^\d{1,18}$/.test(lastEventId.trim())) {
      throw new UnprocessableEntityException('Last-Event-ID must be an event id');
    }
    return this.events.cursorAfter(deploymentId, lastEventId.trim());
  }

  /**
   * Writes events as Server-Sent Events until the client goes, the deployment is deleted or the
   * process shuts down. Reads PostgreSQL only, so it sees what every worker process wrote.
   */
  async stream(deploymentId: number, start: StreamCursor, out: ServerResponse): Promise<void> {
    this.open.add(out);
    let closed = false;
    out.on('error', () => (closed = true));
    const onClose = new Promise<void>((resolve) =>
      out.once('close', () => {
        closed = true;
        resolve();
      }),
    );
    let cursor = start;
    let lastWrite = Date.now();
    let failures = 0;
    const write = async (chunk: string) => {
      lastWrite = Date.now();
      if (!out.write(chunk)) {
        await Promise.race([new Promise((resolve) => out.once('drain', resolve)), onClose]);
      }
    };
    try {
      await write('retry: 2000\n\n');
      while (!closed && !this.shuttingDown) {
        let batch: Awaited<ReturnType<EventsRepository['poll']>>;
        try {
          batch = await this.events.poll(deploymentId, cursor, STREAM_BATCH);
          failures = 0;
        } catch (error) {
          // PostgreSQL away: keep the client and try again; it resumes where it was.
          if (failures++ === 0) {
            this.logger.warn(
              `Event stream of deployment ${deploymentId} paused: ${(error as Error).message}`,
            );
          }
          await Promise.race([sleep(Math.min(5000, POLL_MS * 2 ** failures)), onClose]);
          continue;
        }
        for (const row of batch.rows) {
          if (closed) break;
          await write(`id: ${row.id}\ndata: ${JSON.stringify(EventResponse.from(row))}\n\n`);
          cursor = { xid: row.xid, id: Number(row.id) };
        }
        if (!batch.live) {
          await write(`event: end\ndata: {"reason":"deployment deleted"}\n\n`);
          break;
        }
        if (batch.rows.length === STREAM_BATCH) continue;
        if (Date.now() - lastWrite >= KEEP_ALIVE_MS) await write(': keep-alive\n\n');
        await Promise.race([sleep(POLL_MS), onClose]);
      }
    } catch (error) {
      this.logger.error(
        `Event stream of deployment ${deploymentId} failed: ${(error as Error).message}`,
      );
    } finally {
      this.open.delete(out);
      if (!out.writableEnded) out.end();
    }
  }

  /** Open streams would hold the HTTP server open; end them so shutdown completes. */
  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
    for (const out of this.open) {
      if (!out.writableEnded) out.end(`event: end\ndata: {"reason":"server shutting down"}\n\n`);
    }
  }

  private async requireDeployment(deploymentId: number): Promise<void> {
    if (!(await this.deployments.exists(deploymentId))) {
      throw new NotFoundException('Deployment not found');
    }
  }
}
