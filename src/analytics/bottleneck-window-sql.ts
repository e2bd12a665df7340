/**
 * The statements behind GET /deployments/{id}/bottlenecks as the service runs them, on
 * connections the caller hands in, so tests can run them against the database at chosen window
 * ends.
 */
import { AnalysisWindow } from '../domain/analysis-window';
import { GROUPED_WINDOW, ROLE_GROUPED_WINDOW } from './grouped-window-sql';
import { mergeParts, mergeRoleParts, WindowRow } from './window-parts';
import { WINDOW_BEGIN, WINDOW_SETTINGS, WindowBase } from './window-sql';
import { leadRawUntil, prefixTerms } from './window-terms';

/** One statement on one connection of the caller's REPEATABLE READ transactions. */
export type WindowQuery = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * Deployments with fewer nodes are scored on one connection: below this, a second connection
 * and its snapshot import cost more than the half of the work they take.
 */
export const SPLIT_MIN_NODES = 4000;

/** What a window statement returned, and which one ran. */
export interface GroupedWindow {
  rows: WindowRow[];
  /** The deployment has a topology. */
  fabric: boolean;
  /** ROLE_GROUPED_WINDOW ran: node rows carry roles, one summary row per role. */
  byRole: boolean;
}

/** The request's parameters, named or as the first nine values of GROUPED_WINDOW in order. */
export type WindowBaseValues = WindowBase | unknown[];

function named(base: WindowBaseValues): WindowBase {
  return Array.isArray(base) ? GROUPED_WINDOW.named(base) : base;
}

/**
 * GROUPED_WINDOW as the service runs it, on one connection or, for a large deployment, split
 * across two. `first` is in a REPEATABLE READ transaction the caller has begun (and ends): it
 * reads the settings, the deployment and its running-sum marks and exports its snapshot.
 * `second` runs the given statements (no parameters) on another connection, beginning its
 * transaction there with the snapshot imported, or returns null when none is to be had; both
 * parts then see the same samples, fold the same baseline and each score half of the nodes.
 * Null when the deployment does not exist.
 */
export async function runGroupedWindow(
  first: WindowQuery,
  second: (begin: string) => Promise<WindowQuery | null>,
  window: AnalysisWindow,
  base: WindowBaseValues,
  splitMinNodes = SPLIT_MIN_NODES,
): Promise<WindowRow[] | null> {
  const result = await runWindow(first, second, window, base, false, splitMinNodes);
  return result && result.rows;
}

/**
 * {@link runGroupedWindow}, by role when `byRole` is set and the deployment has a topology
 * (ROLE_GROUPED_WINDOW); a deployment without one gets GROUPED_WINDOW either way.
 */
export async function runWindow(
  first: WindowQuery,
  second: (begin: string) => Promise<WindowQuery | null>,
  window: AnalysisWindow,
  base: WindowBaseValues,
  byRole: boolean,
  splitMinNodes = SPLIT_MIN_NODES,
): Promise<GroupedWindow | null> {
  const request = named(base);
  const [head] = await first(
    `${WINDOW_BEGIN.text}, pg_export_snapshot() AS snapshot`,
    WINDOW_BEGIN.values(request),
  );
  if (head.target_node_count === null) return null;
  const fabric = head.fabric === true;
  const roles = byRole && fabric;
  const connections = [first];
  if (Number(head.target_node_count) >= splitMinNodes) {
    const snapshot = String(head.snapshot);
    if (!/^[0-9A-F-]+$/i.test(snapshot)) throw new Error(`Unexpected snapshot id ${snapshot}`);
    const other = await second(
      `BEGIN ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION SNAPSHOT '${snapshot}'; ${WINDOW_SETTINGS}`,
    );
    if (other !== null) connections.push(other);
  }
  const marks =
    head.since instanceof Date && head.until instanceof Date
      ? { since: head.since, until: head.until }
      : null;
  const terms = prefixTerms(
    window.leadByComplement ? window.leadMinute : window.wholeFrom,
    window.wholeTo,
    marks,
  );
  const leadRaw = leadRawUntil(window, marks);
  const statement = roles ? ROLE_GROUPED_WINDOW : GROUPED_WINDOW;
  const results = await Promise.all(
    connections.map(async (query, part) => {
      const rows = await query(
        statement.text,
        statement.values({
          ...request,
          parts: connections.length,
          part,
          prefixPlus: terms.plus,
          prefixMinus: terms.minus,
          rollupsFrom: terms.rollupsFrom,
          leadRawUntil: leadRaw,
        }),
      );
      return rows as unknown[] as WindowRow[];
    }),
  );
  return { rows: roles ? mergeRoleParts(results) : mergeParts(results), fabric, byRole: roles };
}
