/* global window */
// The page's lists and tables: the banner and health badge, the deployments, one deployment's
// counts and node grid, its bottlenecks and its firing alerts.

import { api } from './api.js';
import { $, el, fmt, fmtDateTime } from './dom.js';
import { selectedDeploymentId, toggleNode, view } from './state.js';

const STATES = ['PENDING', 'PROVISIONING', 'CONFIGURING', 'RUNNING', 'FAILED'];
// Above this many nodes the grid switches to small cells so a 10,000-node fabric still fits.
const DENSE_GRID_FROM = 1500;

// ---- banner and health ----------------------------------------------------------------------

export function showBanner(error) {
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

export async function refreshHealth() {
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

export function renderDeployments(deployments) {
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

export function renderDetail(d) {
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

export function renderGrid(deploymentId, nodes, total) {
  const grid = $('node-grid');
  const key = `${deploymentId}:${nodes.map((n) => n.id).join(',')}`;
  // Rebuild only when the set of nodes changes; a refresh just recolours existing cells.
  if (key !== view.gridKey) {
    view.gridKey = key;
    view.cells = nodes.map((n) => {
      const cell = el('div', { class: 'cell', 'data-node-id': String(n.id) });
      cell.addEventListener('click', () => toggleNode(n.id));
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

export function renderBottlenecks(result, nodes) {
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

export function renderFleetAlerts(alerts) {
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

export function renderAlerts(alerts) {
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
