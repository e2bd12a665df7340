/* global document, window, localStorage */
// The operator dashboard: plain DOM over the public REST API, redrawn every few seconds.
// Every value from the API reaches the page through textContent or attributes, never HTML.
// This module refreshes the page and wires its controls; each panel has a module of its own.

import { api, ApiError, KEY_STORAGE } from './api.js';
import {
  CHART_METRICS,
  destroyCharts,
  fetchSeries,
  renderCharts,
  renderRangeSwitch,
  resizeCharts,
} from './charts.js';
import { $, fmtTime } from './dom.js';
import { followEvents, stopEvents } from './events.js';
import { fabricLinks, renderFabric } from './fabric.js';
import { renderRollout, rolloutAction, rolloutMessage, ROLLOUT_ACTIONS } from './rollout.js';
import {
  onRefresh,
  RANGE_STORAGE,
  REFRESH_MS,
  scheduleRefresh,
  selectedDeploymentId,
  view,
} from './state.js';
import {
  refreshHealth,
  renderAlerts,
  renderBottlenecks,
  renderDeployments,
  renderDetail,
  renderFleetAlerts,
  renderGrid,
  showBanner,
} from './tables.js';

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
  onRefresh(refresh);
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
