// The fabric drawing: spines, leaves and their links, with the likely causes of a bottleneck.

import { api } from './api.js';
import { $, fmt, svg } from './dom.js';
import { toggleNode, view } from './state.js';

// Fabrics up to this many nodes are drawn with their links; larger ones only in the grid.
const FABRIC_MAX_NODES = 200;

/**
 * A fabric as two rows, spines above and leaves (border leaves first) below, with a line per
 * link; nodes coloured by state, flagged nodes ringed, and a leaf's link to the spine that
 * likely causes its latency drawn in red.
 */
export function renderFabric(detail, nodes, links, result) {
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
    circle.addEventListener('click', () => toggleNode(n.id));
    parts.push(circle);
  }
  chart.replaceChildren(...parts);
  $('fabric-caption').textContent =
    `${t.spines} spine(s), ${t.border_leaves} border leaf(s), ${t.leaves} leaf(s), ${fmt(links.length, 0)} link(s); flagged nodes ringed, likely causes in red`;
}

/** The fabric's links, fetched when the deployment or its set of nodes changed. */
export async function fabricLinks(id, detail, nodes) {
  if (!detail.topology || nodes.length > FABRIC_MAX_NODES) return [];
  const key = `${id}:${nodes.map((n) => n.id).join(',')}`;
  if (key !== view.fabricKey) {
    const result = await api(`/deployments/${id}/links?limit=10000`);
    view.fabricKey = key;
    view.fabricLinks = result.links;
  }
  return view.fabricLinks;
}
