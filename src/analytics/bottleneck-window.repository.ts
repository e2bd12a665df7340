import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { GenerateSql } from '../database/generate-sql';
import { AnalysisWindow, splitWindow } from '../domain/analysis-window';
import { GroupedWindow, runWindow, SPLIT_MIN_NODES } from './bottleneck-window-sql';
import { WindowRow } from './window-parts';
import { ROLE_WINDOW, WINDOW, WINDOW_SETTINGS, WindowBase } from './window-sql';

/** What one bottleneck request asks of the window statements. */
export interface WindowRequest {
  minSamples: number;
  /** zscore: only nodes that can reach it are returned; null (mad) returns every node. */
  threshold: number | null;
  /** Score a fabric's nodes against the nodes of their own role (ignored without a topology). */
  byRole?: boolean;
}

/** The parameters of every window statement for one request. */
function windowBase(deployment: number, w: AnalysisWindow, request: WindowRequest): WindowBase {
  return {
    deployment,
    from: w.from,
    to: w.to,
    wholeFrom: w.wholeFrom,
    wholeTo: w.wholeTo,
    minSamples: request.minSamples,
    threshold: request.threshold,
    leadMinute: w.leadMinute,
    leadByComplement: w.leadByComplement,
  };
}

/** The catalogue's window: ten minutes to a fixed end, its leading minute read by complement. */
const EXAMPLE_WINDOW = splitWindow(new Date('2026-11-27T10:15:23.500Z'), 10);
/** The first statement's answer in the catalogue: a deployment of `nodes`, folded marks. */
const exampleHead = (nodes: number, fabric: boolean) => [
  {
    target_node_count: nodes,
    fabric,
    since: new Date('2026-11-27T08:00:00.000Z'),
    until: new Date('2026-11-27T10:14:00.000Z'),
    snapshot: '00000003-0000001B-1',
  },
];

/** A part's answer in the catalogue: no node rows, the summary row. */
const EXAMPLE_PART = [{ node_id: null, n: 0, analysed: 0 }];

/**
 * The bottleneck window reads over the samples' rollups and running sums (their tables are
 * TelemetryRollupsRepository's): the fast path on one or two connections, and the general path.
 */
@Injectable()
export class BottleneckWindowRepository {
  /** Whether a request of this process is running a split window query. */
  private splitting = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * GROUPED_WINDOW over both cores for large deployments (runWindow). One request at a time per
   * process holds a second connection (taken from the pool up front, handed back unused for a
   * small deployment), so requests waiting for one can never hold the whole pool; the others
   * run the statement whole. Transactions are begun in one round trip each. Null when the
   * deployment does not exist (read in the window's snapshot).
   */
  @GenerateSql(
    {
      name: 'one connection',
      params: [7, EXAMPLE_WINDOW, { minSamples: 1, threshold: 2.5 }],
      rows: [[], exampleHead(100, false), EXAMPLE_PART],
    },
    {
      name: 'split across two connections',
      params: [7, EXAMPLE_WINDOW, { minSamples: 1, threshold: null }],
      rows: [[], exampleHead(SPLIT_MIN_NODES, false), [], EXAMPLE_PART, EXAMPLE_PART],
    },
    {
      name: 'by role',
      params: [7, EXAMPLE_WINDOW, { minSamples: 1, threshold: 2.5, byRole: true }],
      rows: [[], exampleHead(100, true)],
    },
  )
  async groupedWindow(
    deploymentId: number,
    w: AnalysisWindow,
    request: WindowRequest,
  ): Promise<GroupedWindow | null> {
    const first = this.dataSource.createQueryRunner();
    const spare = this.splitting ? null : this.dataSource.createQueryRunner();
    if (spare) this.splitting = true;
    const begun: QueryRunner[] = [];
    const query = (q: QueryRunner) => (sql: string, params?: unknown[]) => q.query(sql, params);
    try {
      await Promise.all([first.connect(), spare?.connect()]);
      await first.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      begun.push(first);
      const rows = await runWindow(
        query(first),
        async (begin) => {
          if (!spare) return null;
          await spare.query(begin);
          begun.push(spare);
          return query(spare);
        },
        w,
        windowBase(deploymentId, w, request),
        request.byRole === true,
      );
      await Promise.all(begun.splice(0).map((q) => q.query('COMMIT')));
      return rows;
    } finally {
      if (spare) this.splitting = false;
      await Promise.all(
        [first, spare].map(async (q) => {
          if (!q) return;
          if (begun.includes(q)) await q.query('ROLLBACK').catch(() => undefined);
          await q.release();
        }),
      );
    }
  }

  /**
   * WINDOW, the general path: per-node moments from the minute rollups, for requests whose
   * min_samples leaves nodes out (the group rollups cannot); ROLE_WINDOW by role.
   */
  @GenerateSql(
    { name: 'whole deployment', params: [7, EXAMPLE_WINDOW, 30] },
    { name: 'by role', params: [7, EXAMPLE_WINDOW, 30, true] },
  )
  window(
    deploymentId: number,
    w: AnalysisWindow,
    minSamples: number,
    byRole = false,
  ): Promise<WindowRow[]> {
    const statement = byRole ? ROLE_WINDOW : WINDOW;
    const base = windowBase(deploymentId, w, { minSamples, threshold: null });
    return this.dataSource.transaction(async (m) => {
      await m.query(WINDOW_SETTINGS);
      return m.query(statement.text, statement.values(base));
    });
  }
}
