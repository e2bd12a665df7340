/* global window, uPlot, URLSearchParams */
// The telemetry charts (uPlot, loaded by index.html as the global uPlot): latency, throughput
// and error rate of the deployment over the chosen range, and of the selected node over them.

import { api } from './api.js';
import { $, fmt, fmtTime } from './dom.js';
import { RANGES, view } from './state.js';

export const CHART_METRICS = [
  { key: 'latency_ms', unit: 'ms', digits: 2 },
  { key: 'throughput_gbps', unit: 'Gbps', digits: 2 },
  { key: 'error_rate', unit: '%', digits: 3 },
];
const COLOURS = { mean: '#2563eb', spread: '#f59e0b', nodeMean: '#db2777', nodeSpread: '#7c3aed' };

/**
 * One metric's series over the chosen range, for the deployment or one node: the first bucket
 * of the range the endpoint accepts (a 422 means too many raw samples for 10s buckets).
 */
export async function fetchSeries(id, metric, nodeId, range) {
  const from = new Date(Date.now() - RANGES[range].ms).toISOString();
  let refusal;
  for (const bucket of RANGES[range].buckets) {
    const params = new URLSearchParams({ metric, bucket, start_time: from });
    if (nodeId) params.set('node_id', String(nodeId));
    try {
      return await api(`/deployments/${id}/telemetry/series?${params}`);
    } catch (error) {
      if (error.status !== 422) throw error;
      refusal = error;
    }
  }
  throw refusal;
}

/** Columns of one series response: times in seconds, mean, and p95 (or max without p95). */
function seriesTable(response) {
  // Only 10 s buckets are read from raw samples and carry p95; wider ones carry null.
  const hasP95 = response.bucket === '10s';
  return {
    spread: hasP95 ? 'p95' : 'max',
    table: [
      response.buckets.map((b) => Date.parse(b.timestamp) / 1000),
      response.buckets.map((b) => b.avg),
      response.buckets.map((b) => (hasP95 ? b.p95 : b.max)),
    ],
  };
}

function chartOptions(metric, width, series, range) {
  const value = (u, v) => (v === null || v === undefined ? '—' : fmt(v, metric.digits));
  return {
    width,
    height: 190,
    // UTC, as every other time on the page.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    // The x axis always spans the whole range, however few buckets hold samples.
    scales: {
      x: {
        time: true,
        range: () => {
          const now = Date.now() / 1000;
          return [now - RANGES[range].ms / 1000, now];
        },
      },
    },
    axes: [
      { values: (u, ticks) => ticks.map((t) => new Date(t * 1000).toISOString().slice(11, 16)) },
      { size: 56, values: (u, ticks) => ticks.map((t) => fmt(t, metric.digits)) },
    ],
    series: [
      { value: (u, t) => (t === null ? '—' : fmtTime(new Date(t * 1000).toISOString())) },
      ...series.map((s) => ({ ...s, value, spanGaps: false, points: { size: 4 } })),
    ],
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
  };
}

function chartWidth(container) {
  return Math.max(280, Math.floor(container.clientWidth || 680));
}

/**
 * Draws each metric's chart: the deployment's mean and p95 (max for rollup buckets), and the
 * selected node's over them. A chart is built again only when its series change (range, bucket,
 * node); otherwise it gets the new data.
 */
export function renderCharts(results, nodeLabel, range) {
  for (const metric of CHART_METRICS) {
    const { fleet, node } = results[metric.key];
    const container = $(`chart-${metric.key}`);
    const f = seriesTable(fleet);
    const series = [
      { label: 'mean', stroke: COLOURS.mean, width: 2 },
      { label: f.spread, stroke: COLOURS.spread, width: 1.5, dash: [6, 4] },
    ];
    let data = f.table;
    if (node) {
      const n = seriesTable(node);
      series.push({ label: `${nodeLabel} mean`, stroke: COLOURS.nodeMean, width: 2 });
      series.push({
        label: `${nodeLabel} ${n.spread}`,
        stroke: COLOURS.nodeSpread,
        width: 1.5,
        dash: [2, 3],
      });
      data = uPlot.join([f.table, n.table]);
    }
    const layout = `${range}|${fleet.bucket}|${series.map((s) => s.label).join('|')}`;
    const current = view.charts[metric.key];
    if (current && current.layout === layout) {
      current.plot.setData(data);
    } else {
      if (current) current.plot.destroy();
      container.replaceChildren();
      const plot = new uPlot(
        chartOptions(metric, chartWidth(container), series, range),
        data,
        container,
      );
      view.charts[metric.key] = { plot, layout };
    }
    container.dataset.points = String(fleet.buckets.length);
    container.dataset.empty = String(fleet.buckets.length === 0 && !(node && node.buckets.length));
    container.dataset.bucket = fleet.bucket;
  }
  const { fleet } = results[CHART_METRICS[0].key];
  const spreadNote =
    fleet.bucket === '10s'
      ? 'mean and p95 per 10 s'
      : `mean and max per ${fleet.bucket} (p95 only with 10 s buckets; these come from per-minute rollups)`;
  $('chart-caption').textContent =
    `${nodeLabel ? `all nodes and ${nodeLabel}` : 'all nodes'}: ${spreadNote}` +
    (fleet.buckets.length === 0 ? ' · no telemetry in this range' : '');
  // Tests read the uPlot instances here (data and series of each chart).
  window.netorchCharts = Object.fromEntries(
    Object.entries(view.charts).map(([key, chart]) => [key, chart.plot]),
  );
}

export function renderRangeSwitch() {
  for (const button of $('range-switch').querySelectorAll('button')) {
    const on = button.dataset.range === view.range;
    button.classList.toggle('active', on);
    button.setAttribute('aria-pressed', String(on));
  }
}

export function resizeCharts() {
  for (const chart of Object.values(view.charts)) {
    const container = chart.plot.root.parentElement;
    if (container) chart.plot.setSize({ width: chartWidth(container), height: 190 });
  }
}

export function destroyCharts() {
  for (const chart of Object.values(view.charts)) chart.plot.destroy();
  view.charts = {};
}
