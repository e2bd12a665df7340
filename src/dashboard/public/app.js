/* global document, window, localStorage, fetch, uPlot, AbortController, TextDecoderStream, URLSearchParams */
// The operator dashboard: plain DOM over the public REST API, redrawn every few seconds.
// Every value from the API reaches the page through textContent or attributes, never HTML.

const REFRESH_MS = 3000;
const KEY_STORAGE = 'netorch.apiKey';
const STATES = ['PENDING', 'PROVISIONING', 'CONFIGURING', 'RUNNING', 'FAILED'];
const SVG_NS = 'http://www.w3.org/2000/svg';
// Above this many nodes the grid switches to small cells so a 10,000-node fabric still fits.
const DENSE_GRID_FROM = 1500;
// Fabrics up to this many nodes are drawn with their links; larger ones only in the grid.
const FABRIC_MAX_NODES = 200;
// The events panel keeps this many, newest first.
const EVENTS_KEPT = 200;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/**
 * Chart ranges and the series buckets asked for, in order: 10s buckets carry p95 (read from raw
 * samples); when a fabric is too large for that (422), the next bucket is read from per-minute
 * rollups, whose p95 is null, so the chart shows the bucket's max instead. 24 h of 1m buckets
 * would be one over the endpoint's 1,440.
 */
const RANGES = {
  '15m': { ms: 15 * MINUTE_MS, buckets: ['10s', '1m'] },
  '1h': { ms: HOUR_MS, buckets: ['10s', '1m'] },
  '6h': { ms: 6 * HOUR_MS, buckets: ['1m', '5m'] },
  '24h': { ms: 24 * HOUR_MS, buckets: ['5m', '15m'] },
};
const DEFAULT_RANGE = '1h';
const RANGE_STORAGE = 'netorch.chartRange';
const CHART_METRICS = [
  { key: 'latency_ms', unit: 'ms', digits: 2 },
  { key: 'throughput_gbps', unit: 'Gbps', digits: 2 },
  { key: 'error_rate', unit: '%', digits: 3 },
];
const COLOURS = { mean: '#2563eb', spread: '#f59e0b', nodeMean: '#db2777', nodeSpread: '#7c3aed' };
// Rollout actions and the statuses each one fits (the API answers 409 otherwise).
const ROLLOUT_ACTIONS = {
  pause: ['running'],
  resume: ['paused', 'halted'],
  abort: ['running', 'paused', 'halted'],
};

const $ = (id) => document.getElementById(id);

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  const key = localStorage.getItem(KEY_STORAGE);
  if (key) headers['X-API-Key'] = key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'The service is not reachable; retrying');
  }
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page: report the status instead.
    data = null;
  }
  if (!res.ok) throw new ApiError(res.status, (data && data.detail) || `HTTP ${res.status}`);
  return data;
}

function authHeaders(extra = {}) {
  const key = localStorage.getItem(KEY_STORAGE);
  return key ? { ...extra, 'X-API-Key': key } : extra;
}

const sleep = (ms) => new Promise((resolve) => window.setTimeout(resolve, ms));

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

const fmt = (n, digits = 2) => Number(n).toLocaleString('en-US', { maximumFractionDigits: digits });
const fmtTime = (iso) => (iso ? new Date(iso).toISOString().slice(11, 19) + 'Z' : '—');
const fmtDateTime = (iso) =>
  iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '—';

// ---- state ----------------------------------------------------------------------------------

const view = {
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

function selectedDeploymentId() {
  const match = /^#\/deployments\/(\d+)$/.exec(window.location.hash);
  return match ? Number(match[1]) : null;
}

// ---- banner and health ----------------------------------------------------------------------

function showBanner(error) {
  const banner = $('banner');
  if (!error) {
    banner.hidden = true;
    return;
  }
  let text = error.message;
  if (error.status === 401 || error.status === 403) {
    text = `${error.message}. Enter a key in "API key" above; it is kept in this browser only.`;
  }
  banner.textContent = text;
  banner.hidden = false;
}

async function refreshHealth() {
  const badge = $('health');
  try {
    const h = await api('/health');
    const down = [h.database !== 'healthy' && 'PostgreSQL', h.redis !== 'healthy' && 'Redis']
      .filter(Boolean)
      .join(' and ');
    badge.textContent =
      h.status === 'healthy'
        ? `healthy · ${h.workers ?? (h.active_workers ? '≥1' : 0)} worker(s)`
        : `degraded: ${down || 'see /health'}`;
    badge.className = `health ${h.status === 'healthy' ? 'ok' : 'bad'}`;
  } catch (error) {
    badge.textContent = 'unreachable';
    badge.className = 'health bad';
    throw error;
  }
}

// ---- deployments list -----------------------------------------------------------------------

function renderDeployments(deployments) {
  const list = $('deployment-list');
  const selected = selectedDeploymentId();
  list.replaceChildren(
    ...deployments.map((d) => {
      const button = el('button', { type: 'button', 'data-id': String(d.id) });
      button.append(el('span', {}, d.name));
      button.append(
        el(
          'span',
          { class: 'sub' },
          `#${d.id} · ${fmt(d.target_node_count, 0)} nodes · ${fmtDateTime(d.created_at)}`,
        ),
      );
      // The list carries each deployment's status, progress and rollout.
      const row = el('span', { class: 'summary', 'data-status': d.status });
      row.append(el('span', { class: `badge ${d.status}` }, d.status.replace('_', ' ')));
      if (d.rollout) {
        row.append(
          el('span', { class: `badge rollout-${d.rollout.status}` }, `rollout ${d.rollout.status}`),
        );
      }
      const bar = el('span', { class: 'progress mini', title: 'Nodes in RUNNING or FAILED' });
      const fill = el('span', { class: 'progress-bar' });
      fill.style.width = `${Math.min(100, Math.max(0, d.progress_percent))}%`;
      bar.append(fill);
      row.append(bar);
      row.append(el('span', { class: 'pct' }, `${fmt(d.progress_percent, 0)} %`));
      button.append(row);
      if (d.id === selected) button.classList.add('selected');
      button.addEventListener('click', () => {
        window.location.hash = `#/deployments/${d.id}`;
      });
      const item = el('li', { 'data-id': String(d.id) });
      item.append(button);
      return item;
    }),
  );
  $('deployments-empty').hidden = deployments.length > 0;
}

// ---- one deployment ---------------------------------------------------------------------------

function renderDetail(d) {
  $('d-name').textContent = d.name;
  const status = $('d-status');
  status.textContent = d.status.replace('_', ' ');
  status.className = `badge ${d.status}`;
  const parts = [
    `#${d.id}`,
    `${fmt(d.current_node_count, 0)} of ${fmt(d.target_node_count, 0)} nodes`,
  ];
  if (d.max_parallel) parts.push(`max ${d.max_parallel} in flight`);
  parts.push(`created ${fmtDateTime(d.created_at)}`);
  if (d.started_at) parts.push(`started ${fmtDateTime(d.started_at)}`);
  if (d.finished_at) parts.push(`finished ${fmtDateTime(d.finished_at)}`);
  if (d.description) parts.push(d.description);
  $('d-meta').textContent = parts.join(' · ');
  $('d-progress-bar').style.width = `${Math.min(100, Math.max(0, d.progress_percent))}%`;
  $('d-progress-text').textContent = `${fmt(d.progress_percent)} % rolled out (RUNNING or FAILED)`;
  $('d-counts').replaceChildren(
    ...STATES.map((state) => {
      const item = el('li', { 'data-state': state });
      item.append(el('span', { class: `swatch s-${state}` }));
      item.append(el('span', {}, state));
      item.append(el('strong', {}, fmt(d.state_counts[state] ?? 0, 0)));
      return item;
    }),
  );
}

function renderGrid(deploymentId, nodes, total) {
  const grid = $('node-grid');
  const key = `${deploymentId}:${nodes.map((n) => n.id).join(',')}`;
  // Rebuild only when the set of nodes changes; a refresh just recolours existing cells.
  if (key !== view.gridKey) {
    view.gridKey = key;
    view.cells = nodes.map((n) => {
      const cell = el('div', { class: 'cell', 'data-node-id': String(n.id) });
      cell.addEventListener('click', () => {
        view.selectedNodeId = view.selectedNodeId === n.id ? null : n.id;
        scheduleRefresh(0);
      });
      return cell;
    });
    grid.replaceChildren(...view.cells);
    grid.classList.toggle('dense', nodes.length >= DENSE_GRID_FROM);
  }
  nodes.forEach((n, i) => {
    const cell = view.cells[i];
    const flagged = view.flagged.has(n.id);
    const cls = `cell s-${n.state}${flagged ? ' flagged' : ''}${n.id === view.selectedNodeId ? ' selected' : ''}`;
    if (cell.className !== cls) cell.className = cls;
    if (cell.dataset.state !== n.state) cell.dataset.state = n.state;
    if (cell.dataset.flagged !== String(flagged)) cell.dataset.flagged = String(flagged);
    const title = `${n.node_id} · ${n.state} · ${n.hostname}${n.ip_address ? ` · ${n.ip_address}` : ''}${flagged ? ' · flagged as a bottleneck' : ''}`;
    if (cell.title !== title) cell.title = title;
  });
  $('grid-caption').textContent =
    `${fmt(total, 0)} node(s), ${fmt(view.flagged.size, 0)} flagged (ringed); click one to overlay its series on the charts`;
}

/**
 * A fabric as two rows, spines above and leaves (border leaves first) below, with a line per
 * link; nodes coloured by state, flagged nodes ringed, and a leaf's link to the spine that
 * likely causes its latency drawn in red.
 */
function renderFabric(detail, nodes, links, result) {
  const panel = $('fabric-panel');
  panel.hidden = !detail.topology;
  if (!detail.topology) return;
  const chart = $('fabric');
  const W = 720;
  const H = 240;
  const spines = nodes.filter((n) => n.role === 'spine');
  const leaves = nodes.filter((n) => n.role !== 'spine');
  const t = detail.topology;
  if (nodes.length > FABRIC_MAX_NODES) {
    $('fabric-caption').textContent =
      `${t.spines} spine(s), ${t.border_leaves} border leaf(s), ${t.leaves} leaf(s): too many to draw; see the grid`;
    chart.replaceChildren();
    return;
  }
  const flagged = new Set(result.bottlenecks.map((b) => b.node_id));
  const causes = new Set(
    result.bottlenecks.flatMap((b) => (b.likely_caused_by ?? []).map((s) => `${s}-${b.node_id}`)),
  );
  const place = (row, y) => {
    const step = W / (row.length + 1);
    return new Map(row.map((n, i) => [n.id, { x: step * (i + 1), y }]));
  };
  const at = new Map([...place(spines, 50), ...place(leaves, 190)]);
  const r = Math.max(3, Math.min(10, W / (2.6 * Math.max(spines.length, leaves.length, 1))));
  const parts = [
    svg('text', { x: 4, y: 14, class: 'tier' }, 'spines'),
    svg('text', { x: 4, y: H - 8, class: 'tier' }, 'border leaves and leaves'),
  ];
  for (const link of links) {
    const a = at.get(link.a_node_id);
    const b = at.get(link.b_node_id);
    if (!a || !b) continue;
    const cause = causes.has(`${link.a_node_id}-${link.b_node_id}`);
    parts.push(
      svg('line', { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: cause ? 'link cause' : 'link' }),
    );
  }
  for (const n of [...spines, ...leaves]) {
    const p = at.get(n.id);
    const classes = ['node', `s-${n.state}`];
    if (flagged.has(n.id)) classes.push('flagged');
    if (n.id === view.selectedNodeId) classes.push('selected');
    const circle = svg('circle', {
      cx: p.x,
      cy: p.y,
      r,
      class: classes.join(' '),
      'data-node-id': n.id,
      'data-state': n.state,
    });
    circle.append(
      svg(
        'title',
        {},
        `${n.node_id} · ${n.role} · ${n.hostname} · ${n.state}${flagged.has(n.id) ? ' · flagged' : ''}`,
      ),
    );
    circle.addEventListener('click', () => {
      view.selectedNodeId = view.selectedNodeId === n.id ? null : n.id;
      scheduleRefresh(0);
    });
    parts.push(circle);
  }
  chart.replaceChildren(...parts);
  $('fabric-caption').textContent =
    `${t.spines} spine(s), ${t.border_leaves} border leaf(s), ${t.leaves} leaf(s), ${fmt(links.length, 0)} link(s); flagged nodes ringed, likely causes in red`;
}

/** The fabric's links, fetched when the deployment or its set of nodes changed. */
async function fabricLinks(id, detail, nodes) {
  if (!detail.topology || nodes.length > FABRIC_MAX_NODES) return [];
  const key = `${id}:${nodes.map((n) => n.id).join(',')}`;
  if (key !== view.fabricKey) {
    const result = await api(`/deployments/${id}/links?limit=10000`);
    view.fabricKey = key;
    view.fabricLinks = result.links;
  }
  return view.fabricLinks;
}

// ---- charts ---------------------------------------------------------------------------------

/**
 * One metric's series over the chosen range, for the deployment or one node: the first bucket
 * of the range the endpoint accepts (a 422 means too many raw samples for 10s buckets).
 */
async function fetchSeries(id, metric, nodeId, range) {
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
function renderCharts(results, nodeLabel, range) {
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

function renderRangeSwitch() {
  for (const button of $('range-switch').querySelectorAll('button')) {
    const on = button.dataset.range === view.range;
    button.classList.toggle('active', on);
    button.setAttribute('aria-pressed', String(on));
  }
}

function resizeCharts() {
  for (const chart of Object.values(view.charts)) {
    const container = chart.plot.root.parentElement;
    if (container) chart.plot.setSize({ width: chartWidth(container), height: 190 });
  }
}

function destroyCharts() {
  for (const chart of Object.values(view.charts)) chart.plot.destroy();
  view.charts = {};
}

function renderBottlenecks(result, nodes) {
  const names = new Map(nodes.map((n) => [n.id, n.node_id]));
  const rows = result.bottlenecks.map((b) => {
    const tr = el('tr', { 'data-node-id': String(b.node_id) });
    tr.append(
      el(
        'td',
        {},
        b.role && b.role !== 'leaf' ? `${b.node_identifier} (${b.role})` : b.node_identifier,
      ),
    );
    tr.append(el('td', { class: 'num' }, fmt(b.latency_ms)));
    tr.append(el('td', { class: 'num' }, fmt(b.throughput_gbps)));
    tr.append(el('td', { class: 'num' }, fmt(b.error_rate, 3)));
    tr.append(el('td', { class: 'num' }, fmt(b.deviation_score, 3)));
    const triggered = b.metrics
      ? Object.entries(b.metrics)
          .filter(([, verdict]) => verdict.triggered)
          .map(([name, verdict]) => `${name} (z ${fmt(verdict.z)})`)
      : [];
    if (b.likely_caused_by && b.likely_caused_by.length > 0) {
      const spines = b.likely_caused_by.map((id) => names.get(id) ?? `#${id}`).join(', ');
      triggered.push(`likely caused by ${spines}`);
    }
    if (b.explains > 0) triggered.push(`explains ${b.explains} leaf(s)`);
    tr.append(el('td', {}, triggered.join(', ')));
    return tr;
  });
  if (rows.length === 0) {
    const tr = el('tr');
    tr.append(el('td', { colspan: '6', class: 'muted' }, 'No bottlenecks in the window'));
    rows.push(tr);
  }
  $('bottleneck-rows').replaceChildren(...rows);
  $('bottleneck-caption').textContent =
    `last ${result.analysis_window_minutes} min, ${result.method ?? 'zscore'} ≥ ${result.threshold ?? 2}` +
    (result.nodes_analyzed !== undefined
      ? `, ${fmt(result.nodes_analyzed, 0)} node(s) with samples`
      : '');
}

// ---- alerts ---------------------------------------------------------------------------------

function renderFleetAlerts(alerts) {
  const badge = $('fleet-alerts');
  const deployments = new Set(alerts.map((a) => a.deployment_id));
  const count = alerts.length >= 1000 ? '1000+' : String(alerts.length);
  badge.textContent = `${count} firing alert${alerts.length === 1 ? '' : 's'}`;
  badge.dataset.count = String(alerts.length);
  badge.className = `fleet-alerts ${alerts.length > 0 ? 'firing' : 'quiet'}`;
  badge.title =
    alerts.length > 0
      ? `Firing alerts in ${deployments.size} deployment(s): ${[...deployments].map((id) => `#${id}`).join(', ')}`
      : 'No firing alert in any deployment';
}

function renderAlerts(alerts) {
  const items = alerts.map((a) => {
    const item = el('li', {
      'data-alert-id': String(a.id),
      'data-node-id': String(a.node_id),
      class: a.silenced ? 'silenced' : '',
    });
    item.append(el('strong', {}, a.node_identifier));
    item.append(el('span', {}, ` ${a.rule_name}`));
    item.append(
      el(
        'span',
        { class: 'muted' },
        ` · firing since ${fmtDateTime(a.starts_at)}${a.silenced ? ' · silenced' : ''}`,
      ),
    );
    return item;
  });
  if (items.length === 0) items.push(el('li', { class: 'muted' }, 'No firing alerts'));
  $('alert-list').replaceChildren(...items);
  $('alerts-caption').textContent = `${alerts.length} firing`;
}

// ---- rollout --------------------------------------------------------------------------------

function waveLabel(rollout, i) {
  return i === 0 && rollout.strategy && rollout.strategy.canary > 0 ? 'canary' : `wave ${i}`;
}

/** done / current / to come for each wave, from the rollout's status and current wave. */
function waveState(rollout, i) {
  if (rollout.status === 'completed' || i < rollout.wave) return 'done';
  if (i === rollout.wave) return rollout.status === 'aborted' ? 'stopped' : 'current';
  return rollout.status === 'aborted' ? 'skipped' : 'todo';
}

const WAVE_STATE_TEXT = {
  done: 'done',
  current: 'current',
  stopped: 'stopped (aborted)',
  skipped: 'never admitted',
  todo: 'to come',
};

function renderRollout(detail) {
  const panel = $('rollout-panel');
  const rollout = detail.rollout;
  panel.hidden = !rollout;
  if (!rollout) return;
  panel.dataset.status = rollout.status;
  const status = $('rollout-status');
  status.textContent = rollout.status;
  status.className = `badge rollout-${rollout.status}`;
  const st = rollout.strategy ?? {};
  const parts = [
    `wave ${Math.min(rollout.wave + 1, rollout.waves_total)} of ${rollout.waves_total}`,
    `${fmt(rollout.admitted, 0)} node(s) admitted`,
    `${fmt(rollout.failed_percent)} % failed (budget ${fmt(st.max_failure_percent ?? 100)} %)`,
  ];
  if (st.wave_pause_seconds) parts.push(`${st.wave_pause_seconds} s between waves`);
  if (st.gate)
    parts.push(
      `gate: soak ${st.gate.soak_seconds} s, ≤ ${st.gate.max_bottleneck_percent} % flagged`,
    );
  $('rollout-meta').textContent = parts.join(' · ');
  // Nodes not admitted yet are PENDING: any other unfinished node belongs to the current wave.
  const c = detail.state_counts;
  const inFlight =
    c.PENDING + c.PROVISIONING + c.CONFIGURING - (detail.current_node_count - rollout.admitted);
  const waves = [];
  for (let i = 0; i < rollout.waves_total; i += 1) {
    let state = waveState(rollout, i);
    // An abort during the pause after a wave leaves that wave whole.
    if (state === 'stopped' && inFlight <= 0) state = 'done';
    const item = el('li', {
      class: `wave ${state}`,
      'data-wave': String(i),
      'data-wave-state': state,
    });
    item.append(el('span', { class: 'wave-name' }, waveLabel(rollout, i)));
    let note = WAVE_STATE_TEXT[state];
    if (state === 'current')
      note = inFlight > 0 ? `current · ${inFlight} in flight` : 'current · nodes done';
    item.append(el('span', { class: 'wave-state' }, note));
    waves.push(item);
  }
  $('rollout-waves').replaceChildren(...waves);
  const halted = $('rollout-halted');
  halted.hidden = !rollout.halted_reason;
  halted.textContent = rollout.halted_reason ? `Halted: ${rollout.halted_reason}` : '';
  for (const [action, allowed] of Object.entries(ROLLOUT_ACTIONS)) {
    $(`rollout-${action}`).disabled = view.rolloutBusy || !allowed.includes(rollout.status);
  }
}

function rolloutMessage(text, kind) {
  const message = $('rollout-message');
  message.textContent = text;
  message.className = `rollout-message ${kind}`;
  message.hidden = !text;
}

/**
 * Pause, resume or abort (after a confirm). A status that no longer fits (someone else acted
 * first) comes back as 409 with the API's sentence, shown next to the buttons.
 */
async function rolloutAction(action) {
  const id = selectedDeploymentId();
  if (id === null) return;
  if (
    action === 'abort' &&
    !window.confirm(
      'Abort this rollout? Nodes still PENDING will never be admitted; this cannot be resumed.',
    )
  ) {
    return;
  }
  view.rolloutBusy = true;
  for (const name of Object.keys(ROLLOUT_ACTIONS)) $(`rollout-${name}`).disabled = true;
  try {
    const rollout = await api(`/deployments/${id}/rollout/${action}`, { method: 'POST' });
    rolloutMessage(`${action} accepted: the rollout is ${rollout.status}`, 'ok');
  } catch (error) {
    rolloutMessage(
      error.status === 409 ? `Not done: ${error.message}` : `${action} failed: ${error.message}`,
      'bad',
    );
  } finally {
    view.rolloutBusy = false;
    scheduleRefresh(0);
  }
}

// ---- events ---------------------------------------------------------------------------------

/**
 * The live event stream of the selected deployment. EventSource cannot send the API key, so the
 * stream is read with fetch and parsed here (text/event-stream: `id:`, `event:`, `data:` lines,
 * a blank line ending each event); a dropped stream reconnects with Last-Event-ID.
 */
const stream = {
  deploymentId: null,
  controller: null,
  lastId: null,
  items: [],
  pending: [],
  timer: null,
};

function eventsStatus(text) {
  $('events-status').textContent = text;
}

function stopEvents() {
  if (stream.controller) stream.controller.abort();
  stream.controller = null;
  stream.deploymentId = null;
}

function followEvents(id) {
  if (stream.deploymentId === id && stream.controller) return;
  stopEvents();
  stream.deploymentId = id;
  stream.lastId = null;
  stream.items = [];
  stream.pending = [];
  $('event-list').replaceChildren();
  const controller = new AbortController();
  stream.controller = controller;
  void readEvents(id, controller.signal);
}

/** Follows the stream until it is stopped or the deployment is gone. */
async function readEvents(id, signal) {
  let retryMs = 2000;
  while (!signal.aborted) {
    eventsStatus('connecting…');
    try {
      const headers = authHeaders({ Accept: 'text/event-stream' });
      if (stream.lastId) headers['Last-Event-ID'] = stream.lastId;
      const res = await fetch(`/deployments/${id}/events/stream`, { headers, signal });
      if (res.status === 404) {
        eventsStatus('the deployment no longer exists');
        return;
      }
      if (!res.ok) {
        const retryAfter = Number(res.headers.get('retry-after'));
        eventsStatus(
          res.status === 401 || res.status === 403
            ? 'needs an API key that may read'
            : `refused (HTTP ${res.status}); retrying`,
        );
        await sleep(retryAfter > 0 ? retryAfter * 1000 : 5000);
        continue;
      }
      eventsStatus('live');
      const ended = await readStream(res.body, signal, (ms) => {
        retryMs = ms;
      });
      eventsStatus(ended ? 'stream ended; reconnecting' : 'disconnected; reconnecting');
    } catch {
      if (signal.aborted) return;
      eventsStatus('disconnected; reconnecting');
    }
    await sleep(retryMs);
  }
}

/** Reads events until the body ends; true when the server said `event: end`. */
async function readStream(body, signal, setRetry) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return false;
      buffer += value;
      let cut;
      while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, '');
        if (parseEvent(block, setRetry) === 'end') return true;
      }
    }
  } finally {
    if (signal.aborted) reader.cancel().catch(() => undefined);
  }
}

function parseEvent(block, setRetry) {
  let type = 'message';
  const data = [];
  for (const raw of block.split(/\r?\n/)) {
    if (raw === '' || raw.startsWith(':')) continue; // a keep-alive comment
    const colon = raw.indexOf(':');
    const field = colon < 0 ? raw : raw.slice(0, colon);
    const value = colon < 0 ? '' : raw.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') stream.lastId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) setRetry(Number(value));
  }
  if (type === 'end') return 'end';
  if (type === 'message' && data.length > 0) {
    stream.pending.push(JSON.parse(data.join('\n')));
    // Many events arrive at once when a stream starts: draw them together.
    if (!stream.timer) stream.timer = window.setTimeout(drawEvents, 100);
  }
  return type;
}

function describeEvent(e) {
  const parts = [e.type];
  if (e.node_identifier) parts.push(e.node_identifier);
  if (e.from_state || e.to_state) parts.push(`${e.from_state ?? '—'} → ${e.to_state ?? '—'}`);
  if (e.reason) parts.push(e.reason);
  if (e.type.startsWith('ROLLOUT_') && e.metadata && e.metadata.wave !== undefined) {
    parts.push(`wave ${e.metadata.wave}`);
  }
  if (e.type === 'ROLLOUT_HALTED' && e.metadata && e.metadata.reason) parts.push(e.metadata.reason);
  if (e.actor) parts.push(`by ${e.actor}`);
  return parts.join(' · ');
}

function drawEvents() {
  stream.timer = null;
  if (stream.pending.length === 0) return;
  const fresh = stream.pending.splice(0).reverse();
  stream.items = [...fresh, ...stream.items].slice(0, EVENTS_KEPT);
  $('event-list').replaceChildren(
    ...stream.items.map((e) => {
      const item = el('li', { 'data-event-id': String(e.id), 'data-type': e.type });
      item.append(el('time', { datetime: e.created_at }, fmtTime(e.created_at)));
      item.append(el('span', {}, describeEvent(e)));
      return item;
    }),
  );
}

// ---- one deployment, refreshed --------------------------------------------------------------

async function refreshDeployment(id) {
  const nodeId = view.selectedNodeId;
  const range = view.range;
  const seriesOf = async (metric) => ({
    fleet: await fetchSeries(id, metric.key, null, range),
    node: nodeId ? await fetchSeries(id, metric.key, nodeId, range) : null,
  });
  const [detail, nodes, bottlenecks, alerts, ...series] = await Promise.all([
    api(`/deployments/${id}`),
    api(`/deployments/${id}/nodes`),
    api(`/deployments/${id}/bottlenecks?analysis_window_minutes=10`),
    api(`/deployments/${id}/alerts?state=firing`),
    ...CHART_METRICS.map(seriesOf),
  ]);
  const links = await fabricLinks(id, detail, nodes.nodes);
  if (selectedDeploymentId() !== id) return;
  if (view.selectedNodeId && !nodes.nodes.some((n) => n.id === view.selectedNodeId)) {
    view.selectedNodeId = null;
  }
  view.flagged = new Set(bottlenecks.bottlenecks.map((b) => b.node_id));
  renderDetail(detail);
  renderRollout(detail);
  renderAlerts(alerts);
  renderFabric(detail, nodes.nodes, links, bottlenecks);
  renderGrid(id, nodes.nodes, nodes.total);
  // Drawn only if the selection and range are still the ones asked for.
  if (view.selectedNodeId === nodeId && view.range === range) {
    const selected = nodes.nodes.find((n) => n.id === nodeId);
    const results = Object.fromEntries(CHART_METRICS.map((m, i) => [m.key, series[i]]));
    renderCharts(results, selected ? selected.node_id : nodeId ? `#${nodeId}` : null, range);
  }
  renderBottlenecks(bottlenecks, nodes.nodes);
  followEvents(id);
}

// ---- refresh loop ---------------------------------------------------------------------------

async function refresh() {
  if (view.inFlight) {
    view.again = true;
    return;
  }
  view.inFlight = true;
  view.again = false;
  const id = selectedDeploymentId();
  $('detail-empty').hidden = id !== null;
  $('detail-body').hidden = id === null;
  if (id === null) stopEvents();
  try {
    const [, deployments, fleetAlerts] = await Promise.all([
      refreshHealth(),
      api('/deployments?limit=1000'),
      api('/alerts?state=firing&limit=1000'),
      id !== null ? refreshDeployment(id) : Promise.resolve(),
    ]);
    renderDeployments(deployments);
    renderFleetAlerts(fleetAlerts);
    showBanner(null);
    $('refreshed').textContent = `updated ${fmtTime(new Date().toISOString())}`;
  } catch (error) {
    if (error.status === 404 && id !== null) {
      showBanner(new ApiError(404, `Deployment ${id} no longer exists`));
      window.location.hash = '';
    } else {
      showBanner(error);
    }
  } finally {
    view.inFlight = false;
    scheduleRefresh(view.again ? 0 : REFRESH_MS);
  }
}

function scheduleRefresh(delay) {
  window.clearTimeout(view.timer);
  view.timer = window.setTimeout(() => {
    // A hidden tab does not poll; it catches up as soon as it is shown again.
    if (document.hidden) scheduleRefresh(REFRESH_MS);
    else refresh();
  }, delay);
}

// ---- forms ----------------------------------------------------------------------------------

function optionalInt(value) {
  return value.trim() === '' ? undefined : Number(value);
}

async function createDeployment(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const data = new window.FormData(form);
  const body = {
    name: String(data.get('name') ?? '').trim(),
    target_node_count: Number(data.get('target_node_count')),
  };
  const maxParallel = optionalInt(String(data.get('max_parallel') ?? ''));
  if (maxParallel !== undefined) body.max_parallel = maxParallel;
  const description = String(data.get('description') ?? '').trim();
  if (description) body.description = description;
  const error = $('create-error');
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  error.hidden = true;
  try {
    const created = await api('/deployments', { method: 'POST', body });
    form.reset();
    view.selectedNodeId = null;
    window.location.hash = `#/deployments/${created.id}`;
    scheduleRefresh(0);
  } catch (e) {
    error.textContent = e.message;
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
}

function init() {
  const keyInput = $('api-key');
  keyInput.value = localStorage.getItem(KEY_STORAGE) ?? '';
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = keyInput.value.trim();
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
    // The stream was opened with the previous key: open it again with this one.
    stopEvents();
    scheduleRefresh(0);
  });
  $('key-clear').addEventListener('click', () => {
    keyInput.value = '';
    localStorage.removeItem(KEY_STORAGE);
    stopEvents();
    scheduleRefresh(0);
  });
  $('create-form').addEventListener('submit', createDeployment);
  for (const button of $('range-switch').querySelectorAll('button')) {
    button.addEventListener('click', () => {
      view.range = button.dataset.range;
      localStorage.setItem(RANGE_STORAGE, view.range);
      renderRangeSwitch();
      scheduleRefresh(0);
    });
  }
  renderRangeSwitch();
  for (const action of Object.keys(ROLLOUT_ACTIONS)) {
    $(`rollout-${action}`).addEventListener('click', () => rolloutAction(action));
  }
  window.addEventListener('resize', resizeCharts);
  window.addEventListener('hashchange', () => {
    view.selectedNodeId = null;
    rolloutMessage('', 'ok');
    destroyCharts();
    scheduleRefresh(0);
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) scheduleRefresh(0);
  });
  scheduleRefresh(0);
}

init();
