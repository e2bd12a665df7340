import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { GenerateSql, SQL } from '../database/generate-sql';
import { EventType } from '../domain/event-type';
import { Queryable } from './queryable';

/** A row of the events table as the database returns it. */
export interface EventRow {
  id: number;
  deployment_id: number;
  node_id: number | null;
  node_identifier: string | null;
  type: string;
  from_state: string | null;
  to_state: string | null;
  reason: string | null;
  metadata: Record<string, unknown>;
  request_id: string | null;
  actor: string | null;
  created_at: Date;
}

/** One audit row: what changed, and who asked for it under which request. */
export interface NewEvent {
  deploymentId: number;
  type: EventType;
  nodeId?: number | null;
  nodeIdentifier?: string | null;
  fromState?: string | null;
  toState?: string | null;
  reason?: string | null;
  metadata?: Record<string, unknown>;
  requestId?: string | null;
  actor?: string | null;
}

/** Position in the live stream: rows are delivered in (writing transaction, id) order. */
export interface StreamCursor {
  xid: string;
  id: number;
}

export const STREAM_START: StreamCursor = { xid: '0', id: 0 };

/** An event with the transaction that wrote it: its place in the live stream. */
export type StreamRow = EventRow & { xid: string };

/** What one poll of the live stream found. */
export interface StreamPoll {
  /** Whether the deployment still exists. */
  live: boolean;
  /**
   * Only when not live: whether rows after the cursor exist that the horizon still holds back.
   * A deleted deployment's stream is over once it is neither live nor pending.
   */
  pending: boolean;
  rows: StreamRow[];
}

/** Which events a page holds; every field narrows it. */
export interface EventFilter {
  type?: string;
  nodeId?: number;
  nodeIdentifier?: string;
  /** Only events after this id (the paging cursor). */
  afterId?: string;
  /** Only events at or after this time. */
  since?: Date;
  limit: number;
}

/**
 * The event types alerting reads as its outbox (receivers subscribe to them), in the order and
 * spelling of the partial index events_outbox_idx (migration 1764261420000): a statement must
 * name them as literals for the planner to use that index.
 */
export const OUTBOX_EVENT_TYPES = [
  'ROLLOUT_HALTED',
  'ROLLOUT_COMPLETED',
  'DEPLOYMENT_DEGRADED',
  'DEPLOYMENT_FAILED',
] as const;

/** An outbox event with its deployment's name while the deployment exists. */
export type OutboxRow = StreamRow & { deployment_name: string | null };

const COLUMNS = `e.id, e.deployment_id, e.node_id, e.node_identifier, e.type, e.from_state, e.to_state,
  e.reason, e.metadata, e.request_id, e.actor, e.created_at`;

/**
 * Owns the events table, the audit trail: the one writer of audit rows (inside the caller's
 * transaction, so a change and its record commit together), the pages and the live stream's
 * reads. Events outlive their deployment (they go by age only, deleteCreatedBefore), so every
 * read here works for a deleted deployment too. The workers' batch statement writes its
 * STATE_CHANGE rows itself (node-transition-sql.ts).
 */
/**
 * `horizon.h`: the oldest transaction of this database still running in the reader's snapshot
 * (or the snapshot's xmax when none is). Rows of transactions below it have all committed or
 * aborted, so a reader in (xid, id) order that stops there never skips a late commit.
 * Transactions of other databases cannot write here and are left out.
 */
const HORIZON_CTES = `snap AS (SELECT pg_current_snapshot() AS s),
  elsewhere AS (
    SELECT a.backend_xid::text::bigint AS x32 FROM pg_stat_activity a
    WHERE a.backend_xid IS NOT NULL AND a.datname IS DISTINCT FROM current_database()
  ),
  horizon AS (
    SELECT COALESCE(
      (SELECT min(x) FROM snap, pg_snapshot_xip(snap.s) AS x
        WHERE (x::text::bigint % 4294967296) NOT IN (SELECT x32 FROM elsewhere)),
      (SELECT pg_snapshot_xmax(s) FROM snap)) AS h
  )`;

@Injectable()
export class EventsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @GenerateSql({
    params: [
      SQL,
      {
        deploymentId: 1,
        type: EventType.NODE_RETRIED,
        nodeId: 7,
        nodeIdentifier: 'leaf-07',
        fromState: 'FAILED',
        toState: 'PENDING',
        requestId: 'req-1',
        actor: 'admin',
      },
    ],
  })
  async write(m: Queryable, event: NewEvent): Promise<void> {
    await m.query(
      `INSERT INTO events (deployment_id, node_id, node_identifier, type, from_state, to_state, reason,
                           metadata, request_id, actor)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        event.deploymentId,
        event.nodeId ?? null,
        event.nodeIdentifier ?? null,
        event.type,
        event.fromState ?? null,
        event.toState ?? null,
        event.reason ?? null,
        event.metadata ?? {},
        event.requestId ?? null,
        event.actor ?? null,
      ],
    );
  }

  /** Many audit rows, each with its own fields, in one statement (in the caller's transaction). */
  @GenerateSql({
    params: [
      SQL,
      [
        { deploymentId: 1, type: EventType.DEPLOYMENT_DEGRADED, metadata: { failed: 3 } },
        { deploymentId: 2, type: EventType.DEPLOYMENT_DEGRADED, metadata: { failed: 3 } },
      ],
    ],
  })
  async writeMany(m: Queryable, events: NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    await m.query(
      `INSERT INTO events (deployment_id, node_id, node_identifier, type, from_state, to_state,
                           reason, metadata, request_id, actor)
       SELECT * FROM unnest($1::int[], $2::int[], $3::varchar[], $4::varchar[], $5::varchar[],
                            $6::varchar[], $7::text[], $8::jsonb[], $9::varchar[], $10::varchar[])`,
      [
        events.map((e) => e.deploymentId),
        events.map((e) => e.nodeId ?? null),
        events.map((e) => e.nodeIdentifier ?? null),
        events.map((e) => e.type),
        events.map((e) => e.fromState ?? null),
        events.map((e) => e.toState ?? null),
        events.map((e) => e.reason ?? null),
        events.map((e) => JSON.stringify(e.metadata ?? {})),
        events.map((e) => e.requestId ?? null),
        events.map((e) => e.actor ?? null),
      ],
    );
  }

  /**
   * One audit row per node of a bulk change, from parallel arrays, in one statement; the
   * metadata of each row is `common` plus its own `attempt`.
   */
  @GenerateSql({
    params: [
      SQL,
      {
        deploymentId: 1,
        type: EventType.NODE_RETRIED,
        fromState: 'FAILED',
        metadata: { bulk: true },
      },
      [
        { id: 7, node_id: 'leaf-07', attempt: 2 },
        { id: 8, node_id: 'leaf-08', attempt: 1 },
      ],
    ],
  })
  async writeNodeEvents(
    m: Queryable,
    event: Omit<NewEvent, 'nodeId' | 'nodeIdentifier'>,
    nodes: { id: number; node_id: string; attempt: number }[],
  ): Promise<void> {
    if (nodes.length === 0) return;
    await m.query(
      `INSERT INTO events (deployment_id, node_id, node_identifier, type, from_state, metadata,
                           request_id, actor)
       SELECT $1, u.id, u.name, $2, $3, $4::jsonb || jsonb_build_object('attempt', u.attempt), $5, $6
       FROM unnest($7::int[], $8::varchar[], $9::int[]) AS u(id, name, attempt)`,
      [
        event.deploymentId,
        event.type,
        event.fromState ?? null,
        event.metadata ?? {},
        event.requestId ?? null,
        event.actor ?? null,
        nodes.map((n) => n.id),
        nodes.map((n) => n.node_id),
        nodes.map((n) => n.attempt),
      ],
    );
  }

  /** A page of the deployment's events, oldest first. */
  @GenerateSql(
    { name: 'first page', params: [1, { limit: 50 }] },
    {
      name: 'every filter',
      params: [
        1,
        {
          type: 'STATE_CHANGE',
          nodeId: 7,
          afterId: '120',
          since: new Date('2026-01-01T00:00:00Z'),
          limit: 50,
        },
      ],
    },
  )
  async list(deploymentId: number, filter: EventFilter): Promise<EventRow[]> {
    const where = ['e.deployment_id = $1'];
    const params: unknown[] = [deploymentId];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filter.type !== undefined) add((p) => `e.type = ${p}`, filter.type);
    if (filter.nodeId !== undefined) add((p) => `e.node_id = ${p}`, filter.nodeId);
    if (filter.nodeIdentifier !== undefined) {
      add((p) => `e.node_identifier = ${p}`, filter.nodeIdentifier);
    }
    if (filter.afterId !== undefined) add((p) => `e.id > ${p}::bigint`, filter.afterId);
    if (filter.since !== undefined) add((p) => `e.created_at >= ${p}`, filter.since);
    params.push(filter.limit);
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM events e WHERE ${where.join(' AND ')} ORDER BY e.id LIMIT $${params.length}`,
      params,
    );
  }

  /**
   * Where a reconnecting client resumes: right after the event with this id, or after the
   * closest earlier event of the deployment when that one is not (or no longer) there.
   */
  @GenerateSql({ params: [1, '120'] })
  async cursorAfter(deploymentId: number, eventId: string): Promise<StreamCursor> {
    const rows: { xid: string; id: number }[] = await this.dataSource.query(
      `SELECT xid::text AS xid, id FROM events WHERE deployment_id = $1 AND id <= $2::bigint
       ORDER BY id DESC LIMIT 1`,
      [deploymentId, eventId],
    );
    return rows[0] ? { xid: rows[0].xid, id: Number(rows[0].id) } : STREAM_START;
  }

  /**
   * The next events after `cursor` that no running transaction can precede any more, and
   * whether the deployment still exists. Event ids are drawn before commit, so a reader that
   * only tracked ids could pass an id whose transaction commits later and miss it for ever.
   * Instead rows go out in (xid, id) order, and only below the oldest transaction of this
   * database still running in the same snapshot (transactions in other databases cannot write
   * here). Each event is delivered exactly once.
   */
  @GenerateSql({ params: [1, { xid: '4711', id: 120 }, 100] })
  async poll(deploymentId: number, cursor: StreamCursor, limit: number): Promise<StreamPoll> {
    const rows: ({ live: boolean; pending: boolean; xid: string | null } & EventRow)[] =
      await this.dataSource.query(
        `WITH ${HORIZON_CTES}
         SELECT d.live,
                (NOT d.live AND EXISTS (
                  SELECT 1 FROM events p
                  WHERE p.deployment_id = $1 AND (p.xid, p.id) > ($2::xid8, $3::bigint))) AS pending,
                ev.*
         FROM (SELECT EXISTS (SELECT 1 FROM deployments WHERE id = $1) AS live) d
           LEFT JOIN LATERAL (
             SELECT e.xid::text AS xid, ${COLUMNS} FROM events e, horizon
             WHERE e.deployment_id = $1 AND (e.xid, e.id) > ($2::xid8, $3::bigint) AND e.xid < horizon.h
             ORDER BY e.xid, e.id LIMIT $4
           ) ev ON true`,
        [deploymentId, cursor.xid, cursor.id, limit],
      );
    return {
      live: rows[0]?.live ?? false,
      pending: rows[0]?.pending ?? false,
      rows: rows.filter((r) => r.xid !== null) as StreamRow[],
    };
  }

  /**
   * The deployment's events in (after, upTo], in stream order: a subscriber catching up to the
   * shared feed. Every row up to a position the feed has passed is committed (the feed only
   * passes rows below the horizon), so no horizon is needed here.
   */
  @GenerateSql({ params: [1, { xid: '4711', id: 120 }, { xid: '4720', id: 180 }, 100] })
  async readRange(
    deploymentId: number,
    after: StreamCursor,
    upTo: StreamCursor,
    limit: number,
  ): Promise<StreamRow[]> {
    return this.dataSource.query(
      `SELECT e.xid::text AS xid, ${COLUMNS} FROM events e
       WHERE e.deployment_id = $1 AND (e.xid, e.id) > ($2::xid8, $3::bigint)
         AND (e.xid, e.id) <= ($4::xid8, $5::bigint)
       ORDER BY e.xid, e.id LIMIT $6`,
      [deploymentId, after.xid, after.id, upTo.xid, upTo.id, limit],
    );
  }

  /**
   * Retention: deletes the events created before `cutoff` in statements of at most `batch`
   * rows, each committed on its own so no lock or transaction grows with the backlog, and
   * stops after `maxBatches` (the next run goes on). Returns what went and whether some is left.
   */
  @GenerateSql({
    params: [new Date('2026-01-01T00:00:00Z'), 1000, 10],
    rows: [[{ n: 1000 }], [{ n: 12 }]],
  })
  async prune(
    cutoff: Date,
    batch: number,
    maxBatches: number,
  ): Promise<{ deleted: number; complete: boolean }> {
    let deleted = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = await this.deleteCreatedBefore(cutoff, batch);
      deleted += n;
      if (n < batch) return { deleted, complete: true };
    }
    return { deleted, complete: false };
  }

  /**
   * Deletes at most `batch` events created before `cutoff` (retention), in one short
   * statement of its own, and says how many went. Found through the BRIN index on created_at
   * (migration 1764261000000), deleted by primary key.
   */
  @GenerateSql({ params: [new Date('2026-01-01T00:00:00Z'), 1000], rows: [[{ n: 12 }]] })
  async deleteCreatedBefore(cutoff: Date, batch: number): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `WITH doomed AS (
         SELECT deployment_id, id FROM events WHERE created_at < $1 LIMIT $2
       ), gone AS (
         DELETE FROM events e USING doomed d
         WHERE e.deployment_id = d.deployment_id AND e.id = d.id
         RETURNING 1
       )
       SELECT count(*)::int AS n FROM gone`,
      [cutoff, batch],
    );
    return (rows[0] as { n: number }).n;
  }

  /**
   * The next outbox events (OUTBOX_EVENT_TYPES) of every deployment after `cursor`, in
   * (transaction, id) order and only below the oldest transaction still running, as `poll`
   * reads a stream: an event whose transaction commits late is read once it has committed,
   * never skipped. Read through the partial index that holds only these types.
   */
  @GenerateSql({ params: [SQL, { xid: '4711', id: 120 }, 100] })
  async outboxAfter(m: Queryable, cursor: StreamCursor, limit: number): Promise<OutboxRow[]> {
    return m.query(
      `WITH ${HORIZON_CTES}
       SELECT e.xid::text AS xid, ${COLUMNS}, d.name AS deployment_name
       FROM events e CROSS JOIN horizon LEFT JOIN deployments d ON d.id = e.deployment_id
       WHERE e.type IN (${OUTBOX_EVENT_TYPES.map((t) => `'${t}'`).join(', ')})
         AND (e.xid, e.id) > ($1::xid8, $2::bigint) AND e.xid < horizon.h
       ORDER BY e.xid, e.id LIMIT $3`,
      [cursor.xid, cursor.id, limit],
    );
  }
}
