/* global document, window, localStorage, fetch */
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
      if (d.id === selected) button.classList.add('selected');
      button.addEventListener('click', () => {
        window.location.hash = `#/deployments/${d.id}`;
      });
      const item = el('li');
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
    const cls = `cell s-${n.state}${n.id === view.selectedNodeId ? ' selected' : ''}`;
    if (cell.className !== cls) cell.className = cls;
    if (cell.dataset.state !== n.state) cell.dataset.state = n.state;
    const title = `${n.node_id} · ${n.state} · ${n.hostname}${n.ip_address ? ` · ${n.ip_address}` : ''}`;
    if (cell.title !== title) cell.title = title;
  });
  $('grid-caption').textContent = `${fmt(total, 0)} node(s); click one to chart only its latency`;
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

/** Rounds an axis maximum up to 1, 2 or 5 times a power of ten. */
function niceCeil(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

function renderChart(samples, nodeLabel) {
  const chart = $('latency-chart');
  const W = 720;
  const H = 220;
  const M = { left: 52, right: 12, top: 24, bottom: 28 };
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const parts = [];
  $('chart-caption').textContent = nodeLabel
    ? `node ${nodeLabel}: latest ${samples.length} sample(s)`
    : `all nodes: mean with min–max band over the latest ${samples.length} sample(s)`;

  if (samples.length === 0) {
    parts.push(
      svg(
        'text',
        { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'empty' },
        'No telemetry yet',
      ),
    );
    chart.replaceChildren(...parts);
    return;
  }

  // Samples of one collection tick share a timestamp: one point per tick, mean and spread.
  const byTime = new Map();
  for (const s of samples) {
    const t = Date.parse(s.timestamp);
    const agg = byTime.get(t) ?? { t, sum: 0, n: 0, min: Infinity, max: -Infinity };
    agg.sum += s.latency_ms;
    agg.n += 1;
    agg.min = Math.min(agg.min, s.latency_ms);
    agg.max = Math.max(agg.max, s.latency_ms);
    byTime.set(t, agg);
  }
  const points = [...byTime.values()].sort((a, b) => a.t - b.t);
  let t0 = points[0].t;
  let t1 = points[points.length - 1].t;
  if (t1 === t0) {
    t0 -= 1000;
    t1 += 1000;
  }
  const yMax = niceCeil(Math.max(...points.map((p) => p.max)));
  const x = (t) => M.left + ((t - t0) / (t1 - t0)) * plotW;
  const y = (v) => M.top + plotH - (v / yMax) * plotH;

  for (let i = 0; i <= 4; i += 1) {
    const v = (yMax * i) / 4;
    parts.push(svg('line', { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v), class: 'axis' }));
    parts.push(
      svg('text', { x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(v)),
    );
  }
  parts.push(svg('text', { x: M.left, y: 12, class: 'tick' }, 'latency, ms'));
  parts.push(
    svg('text', { x: M.left, y: H - 8, class: 'tick' }, fmtTime(new Date(t0).toISOString())),
  );
  parts.push(
    svg(
      'text',
      { x: W - M.right, y: H - 8, 'text-anchor': 'end', class: 'tick' },
      fmtTime(new Date(t1).toISOString()),
    ),
  );

  const upper = points.map((p) => `${x(p.t).toFixed(1)},${y(p.max).toFixed(1)}`);
  const lower = points.map((p) => `${x(p.t).toFixed(1)},${y(p.min).toFixed(1)}`).reverse();
  parts.push(svg('path', { d: `M${upper.join('L')}L${lower.join('L')}Z`, class: 'band' }));
  const mean = points.map(
    (p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.sum / p.n).toFixed(1)}`,
  );
  parts.push(svg('path', { d: mean.join(''), class: 'mean' }));
  if (points.length === 1) {
    parts.push(
      svg('circle', {
        cx: x(points[0].t),
        cy: y(points[0].sum / points[0].n),
        r: 3,
        class: 'mean',
      }),
    );
  }
  chart.replaceChildren(...parts);
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

async function refreshDeployment(id) {
  const nodeFilter = view.selectedNodeId ? `&node_id=${view.selectedNodeId}` : '';
  const [detail, nodes, telemetry, bottlenecks] = await Promise.all([
    api(`/deployments/${id}`),
    api(`/deployments/${id}/nodes`),
    api(`/deployments/${id}/telemetry?limit=1000${nodeFilter}`),
    api(`/deployments/${id}/bottlenecks?analysis_window_minutes=10`),
  ]);
  const links = await fabricLinks(id, detail, nodes.nodes);
  if (selectedDeploymentId() !== id) return;
  if (view.selectedNodeId && !nodes.nodes.some((n) => n.id === view.selectedNodeId)) {
    view.selectedNodeId = null;
  }
  renderDetail(detail);
  renderFabric(detail, nodes.nodes, links, bottlenecks);
  renderGrid(id, nodes.nodes, nodes.total);
  const selected = nodes.nodes.find((n) => n.id === view.selectedNodeId);
  renderChart(telemetry.samples, selected ? selected.node_id : null);
  renderBottlenecks(bottlenecks, nodes.nodes);
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
  try {
    const [, deployments] = await Promise.all([
      refreshHealth(),
      api('/deployments?limit=1000'),
      id !== null ? refreshDeployment(id) : Promise.resolve(),
    ]);
    renderDeployments(deployments);
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
    scheduleRefresh(0);
  });
  $('key-clear').addEventListener('click', () => {
    keyInput.value = '';
    localStorage.removeItem(KEY_STORAGE);
    scheduleRefresh(0);
  });
  $('create-form').addEventListener('submit', createDeployment);
  window.addEventListener('hashchange', () => {
    view.selectedNodeId = null;
    scheduleRefresh(0);
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) scheduleRefresh(0);
  });
  scheduleRefresh(0);
}

init();
