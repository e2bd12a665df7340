/* global window */
// The rollout panel: its waves, status and the pause, resume and abort buttons.

import { api } from './api.js';
import { $, el, fmt } from './dom.js';
import { scheduleRefresh, selectedDeploymentId, view } from './state.js';

// Rollout actions and the statuses each one fits (the API answers 409 otherwise).
export const ROLLOUT_ACTIONS = {
  pause: ['running'],
  resume: ['paused', 'halted'],
  abort: ['running', 'paused', 'halted'],
};

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

export function renderRollout(detail) {
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

export function rolloutMessage(text, kind) {
  const message = $('rollout-message');
  message.textContent = text;
  message.className = `rollout-message ${kind}`;
  message.hidden = !text;
}

/**
 * Pause, resume or abort (after a confirm). A status that no longer fits (someone else acted
 * first) comes back as 409 with the API's sentence, shown next to the buttons.
 */
export async function rolloutAction(action) {
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
