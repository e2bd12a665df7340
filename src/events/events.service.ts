import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  UnprocessableEntityException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ServerResponse } from 'node:http';
import { DataSource } from 'typeorm';
import { parseIsoDate } from '../common/iso-date';
import { sleep } from '../common/retry';
import { nodeName, parseNodeRef } from '../domain/node-ref';
import { EventListResponse, EventResponse, EventRow } from './dto/event.response';
import { ListEventsQuery } from './dto/list-events.query';

const COLUMNS = `e.id, e.deployment_id, e.node_id, e.node_identifier, e.type, e.from_state, e.to_state,
  e.reason, e.metadata, e.request_id, e.created_at`;

/** Position in the stream: rows are delivered in (writing transaction, id) order. */
export interface StreamCursor {
  xid: string;
  id: number;
}

const STREAM_START: StreamCursor = { xid: '0', id: 0 };
const STREAM_BATCH = 500;
const POLL_MS = 250;
const KEEP_ALIVE_MS = 15_000;

@Injectable()
export class EventsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventsService.name);
  private readonly open = new Set<ServerResponse>();
  private shuttingDown = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Oldest first; `since` is an event id (exclusive, the paging cursor) or a time (inclusive). */
  async list(deploymentId: number, query: ListEventsQuery): Promise<EventListResponse> {
    const where = ['e.deployment_id = $1'];
    const params: unknown[] = [deploymentId];
    if (query.type) {
      params.push(query.type.toUpperCase());
      where.push(`e.type = $${params.length}`);
    }
    if (query.node_id) {
      const ref = parseNodeRef(query.node_id);
      if (!ref) throw new UnprocessableEntityException('node_id must be a node id or a name');
      if (ref.kind === 'id') {
        params.push(ref.id);
        where.push(`e.node_id = $${params.length}`);
      } else {
        params.push(nodeName(ref.seq));
        where.push(`e.node_identifier = $${params.length}`);
      }
    }
    if (query.since) {
      if (/^\d+$/.test(query.since)) {
        params.push(query.since);
        where.push(`e.id > $${params.length}::bigint`);
      } else {
        const at = parseIsoDate(query.since);
        if (!at) {
          throw new UnprocessableEntityException(
            'since must be an event id or an ISO 8601 date-time such as 2026-11-27T10:00:00Z',
          );
        }
        params.push(at);
        where.push(`e.created_at >= $${params.length}`);
      }
    }
    params.push(query.limit);
    const rows: EventRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM events e WHERE ${where.join(' AND ')} ORDER BY e.id LIMIT $${params.length}`,
      params,
    );
    const events = rows.map((row) => EventResponse.from(row));
    return {
      events,
      next_since: events.length === query.limit ? events[events.length - 1].id : null,
    };
  }

  /**
   * Where a reconnecting client resumes: right after the event it saw last. An id that is not
   * (or no longer) there resumes after the closest earlier event of the deployment.
   */
  async cursorAfter(deploymentId: number, lastEventId: string | undefined): Promise<StreamCursor> {
    if (lastEventId === undefined || lastEventId.trim() === '') return STREAM_START;
    if (!/^\d{1,18}$/.test(lastEventId.trim())) {
      throw new UnprocessableEntityException('Last-Event-ID must be an event id');
    }
    const rows: { xid: string; id: number }[] = await this.dataSource.query(
      `SELECT xid::text AS xid, id FROM events WHERE deployment_id = $1 AND id <= $2::bigint
       ORDER BY id DESC LIMIT 1`,
      [deploymentId, lastEventId.trim()],
    );
    return rows[0] ? { xid: rows[0].xid, id: Number(rows[0].id) } : STREAM_START;
  }

  /**
   * The next events after `cursor` that no running transaction can precede any more. Event ids
   * are drawn before commit, so a reader that only tracked ids could pass an id whose
   * transaction commits later and miss it for ever. Instead rows go out in (xid, id) order, and
   * only below the oldest transaction of this database still running in the same snapshot
   * (transactions in other databases cannot write here). Each event is delivered exactly once.
   */
  async poll(
    deploymentId: number,
    cursor: StreamCursor,
    limit = STREAM_BATCH,
  ): Promise<{ live: boolean; rows: (EventRow & { xid: string })[] }> {
    const rows: ({ live: boolean; xid: string | null } & EventRow)[] = await this.dataSource.query(
      `WITH snap AS (SELECT pg_current_snapshot() AS s),
       elsewhere AS (
         SELECT a.backend_xid::text::bigint AS x32 FROM pg_stat_activity a
         WHERE a.backend_xid IS NOT NULL AND a.datname IS DISTINCT FROM current_database()
       ),
       horizon AS (
         SELECT COALESCE(
           (SELECT min(x) FROM snap, pg_snapshot_xip(snap.s) AS x
             WHERE (x::text::bigint % 4294967296) NOT IN (SELECT x32 FROM elsewhere)),
           (SELECT pg_snapshot_xmax(s) FROM snap)) AS h
       )
       SELECT d.live, ev.* FROM
         (SELECT EXISTS (SELECT 1 FROM deployments WHERE id = $1) AS live) d
         LEFT JOIN LATERAL (
           SELECT e.xid::text AS xid, ${COLUMNS} FROM events e, horizon
           WHERE e.deployment_id = $1 AND (e.xid, e.id) > ($2::xid8, $3::bigint) AND e.xid < horizon.h
           ORDER BY e.xid, e.id LIMIT $4
         ) ev ON true`,
      [deploymentId, cursor.xid, cursor.id, limit],
    );
    const live = rows[0]?.live ?? false;
    return {
      live,
      rows: rows.filter((r) => r.xid !== null) as (EventRow & { xid: string })[],
    };
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
        let batch: Awaited<ReturnType<EventsService['poll']>>;
        try {
          batch = await this.poll(deploymentId, cursor);
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
}
