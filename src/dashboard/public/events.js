/* global window, fetch, AbortController, TextDecoderStream */
// The events panel: the live event stream of the selected deployment, newest first.

import { authHeaders, sleep } from './api.js';
import { $, el, fmtTime } from './dom.js';

// The events panel keeps this many, newest first.
const EVENTS_KEPT = 200;

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

export function stopEvents() {
  if (stream.controller) stream.controller.abort();
  stream.controller = null;
  stream.deploymentId = null;
}

export function followEvents(id) {
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
