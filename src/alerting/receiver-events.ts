/** What a receiver is sent: pure rules, shared by the alert and the deployment-event writers. */

/**
 * Whether a receiver is sent an alert change (ALERT_FIRING or ALERT_RESOLVED): a receiver
 * without an events list gets every alert change (and no deployment event); one with a list
 * gets what it names.
 */
export function receiverTakesAlert(receiver: { events: string[] }, type: string): boolean {
  return receiver.events.length === 0 || receiver.events.includes(type);
}

/** The dedupe key of an event's notification to a receiver: one per (event, receiver). */
export function eventDedupeKey(eventId: string | number, receiverId: number): string {
  return `event:${eventId}:receiver:${receiverId}`;
}
