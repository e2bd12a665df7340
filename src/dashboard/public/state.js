/* global document, window, localStorage */
// What the page shows and remembers between refreshes, and the one refresh timer every panel
// asks through.

// The page is redrawn this often.
export const REFRESH_MS = 3000;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/**
 * Chart ranges and the series buckets asked for, in order: 10s buckets carry p95 (read from raw
 * samples); when a fabric is too large for that (422), the next bucket is read from per-minute
 * rollups, whose p95 is null, so the chart shows the bucket's max instead. 24 h of 1m buckets
 * would be one over the endpoint's 1,440.
 */
export const RANGES = {
  '15m': { ms: 15 * MINUTE_MS, buckets: ['10s', '1m'] },
  '1h': { ms: HOUR_MS, buckets: ['10s', '1m'] },
  '6h': { ms: 6 * HOUR_MS, buckets: ['1m', '5m'] },
  '24h': { ms: 24 * HOUR_MS, buckets: ['5m', '15m'] },
};
const DEFAULT_RANGE = '1h';
export const RANGE_STORAGE = 'netorch.chartRange';

export const view = {
  selectedNodeId: null,
  gridKey: '',
  cells: [],
  // The links of the fabric drawn, fetched again only when its set of nodes changes.
  fabricKey: '',
  fabricLinks: [],
  // Flagged node ids of the selected deployment (bottlenecks endpoint), ringed in the grid.
  flagged: new Set(),
  range: RANGES[localStorage.getItem(RANGE_STORAGE)]
    ? localStorage.getItem(RANGE_STORAGE)
    : DEFAULT_RANGE,
  // One uPlot per metric, with the layout it was built for (series and labels).
  charts: {},
  rolloutBusy: false,
  timer: null,
  inFlight: false,
  // Set when a refresh is asked for while one runs, so a click is never lost.
  again: false,
};

export function selectedDeploymentId() {
  const match = /^#\/deployments\/(\d+)$/.exec(window.location.hash);
  return match ? Number(match[1]) : null;
}

// The page's refresh, registered by app.js (panels import this module, not app.js).
let refresher = () => undefined;

export function onRefresh(refresh) {
  refresher = refresh;
}

/** Refreshes the page after `delay` ms, replacing any refresh already planned. */
export function scheduleRefresh(delay) {
  window.clearTimeout(view.timer);
  view.timer = window.setTimeout(() => {
    // A hidden tab does not poll; it catches up as soon as it is shown again.
    if (document.hidden) scheduleRefresh(REFRESH_MS);
    else refresher();
  }, delay);
}

/** Selects a node of the grid or the fabric (its series overlay the charts), or unselects it. */
export function toggleNode(id) {
  view.selectedNodeId = view.selectedNodeId === id ? null : id;
  scheduleRefresh(0);
}
