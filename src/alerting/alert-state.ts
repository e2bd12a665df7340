import { createHash } from 'node:crypto';

/** The states of one alert of a rule on a node, as Prometheus has them. */
export type AlertStateName = 'pending' | 'firing' | 'resolved';
export const ALERT_STATES: readonly AlertStateName[] = ['pending', 'firing', 'resolved'];

/** What the state machine needs to know of an alert. */
export interface AlertTiming {
  state: AlertStateName;
  /** When the node first met the rule in this episode (pending since). */
  activeSince: Date;
  /** When the alert started firing; null while pending. */
  startsAt: Date | null;
  /** When it resolved; null until then. */
  endsAt: Date | null;
  /** The last evaluation at which the node met the rule. */
  lastBreachAt: Date;
}

export interface RuleTiming {
  forSeconds: number;
  keepFiringForSeconds: number;
}

/** A notification-worthy change: the alert began firing or resolved. */
export type AlertTransition = 'firing' | 'resolved' | null;

export interface AlertStep {
  /** The alert after this evaluation; null when there is none (a pending alert that cleared). */
  next: AlertTiming | null;
  transition: AlertTransition;
}

/**
 * One evaluation of one (rule, node): `breaching` is whether the detector flagged the node now.
 * - nothing (or resolved) + breach → pending, or firing at once when for_seconds is 0;
 * - pending + breach for for_seconds since it became pending → firing (starts_at = now);
 * - pending without breach → gone (a pending alert never notifies);
 * - firing without breach for keep_firing_for_seconds since its last breach → resolved.
 * Pure: the clock is an argument.
 */
export function stepAlert(
  prev: AlertTiming | null,
  breaching: boolean,
  now: Date,
  rule: RuleTiming,
): AlertStep {
  const open = prev !== null && prev.state !== 'resolved' ? prev : null;
  if (open === null) {
    if (!breaching) return { next: null, transition: null };
    const pending: AlertTiming = {
      state: 'pending',
      activeSince: now,
      startsAt: null,
      endsAt: null,
      lastBreachAt: now,
    };
    return rule.forSeconds <= 0
      ? { next: { ...pending, state: 'firing', startsAt: now }, transition: 'firing' }
      : { next: pending, transition: null };
  }
  if (open.state === 'pending') {
    if (!breaching) return { next: null, transition: null };
    if (now.getTime() - open.activeSince.getTime() >= rule.forSeconds * 1000) {
      return {
        next: { ...open, state: 'firing', startsAt: now, lastBreachAt: now },
        transition: 'firing',
      };
    }
    return { next: { ...open, lastBreachAt: now }, transition: null };
  }
  // firing
  if (breaching) return { next: { ...open, lastBreachAt: now }, transition: null };
  if (now.getTime() - open.lastBreachAt.getTime() >= rule.keepFiringForSeconds * 1000) {
    return { next: { ...open, state: 'resolved', endsAt: now }, transition: 'resolved' };
  }
  return { next: open, transition: null };
}

/** An open alert whose rule, node or deployment is gone: resolved now (pending ones vanish). */
export function endAlert(prev: AlertTiming, now: Date): AlertStep {
  if (prev.state === 'firing') {
    return { next: { ...prev, state: 'resolved', endsAt: now }, transition: 'resolved' };
  }
  return { next: prev.state === 'resolved' ? prev : null, transition: null };
}

/** The stable identity of the alerts of one rule on one node: 16 hex digits, as Alertmanager's. */
export function alertFingerprint(ruleId: number, nodeId: number): string {
  return createHash('sha256')
    .update(`netorch:rule=${ruleId}:node=${nodeId}`)
    .digest('hex')
    .slice(0, 16);
}
