import { eventDedupeKey, receiverTakesAlert } from './receiver-events';
import { alertmanagerEventAlert, NotifiedEvent, webhookEventBody } from './notification-body';

const halted: NotifiedEvent = {
  eventId: '4711',
  type: 'ROLLOUT_HALTED',
  deploymentId: 3,
  deploymentName: 'dc2',
  reason: 'failure budget: 3 of 12 admitted nodes failed (25%), more than max_failure_percent 20%',
  metadata: { wave: 1, waves_total: 4, admitted: 12, failed: 3, failed_percent: 25, flagged: null },
  at: new Date('2026-12-01T07:00:00.000Z'),
};

describe('deployment event notifications', () => {
  it('is one firing Alertmanager webhook alert named after the event, with its reason and figures', () => {
    const body = webhookEventBody('rollouts', 'http://netorch:8000', halted) as {
      status: string;
      alerts: Record<string, unknown>[];
      groupLabels: Record<string, string>;
    };
    expect(body).toMatchObject({ version: '4', status: 'firing', receiver: 'rollouts' });
    expect(body.alerts).toHaveLength(1);
    expect(body.alerts[0]).toEqual({
      status: 'firing',
      labels: {
        alertname: 'RolloutHalted',
        deployment_id: '3',
        deployment: 'dc2',
        event: 'ROLLOUT_HALTED',
        severity: 'critical',
      },
      annotations: {
        summary: 'The rollout of dc2 halted',
        description: halted.reason,
        halted_reason: halted.reason,
        event_id: '4711',
        wave: '1',
        waves_total: '4',
        admitted: '12',
        failed: '3',
        failed_percent: '25',
      },
      startsAt: '2026-12-01T07:00:00.000Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://netorch:8000/events?deployment_id=3&type=ROLLOUT_HALTED',
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    expect(body.groupLabels).toEqual({ alertname: 'RolloutHalted', deployment_id: '3' });
    // Stable per event, different between events.
    const again = webhookEventBody('x', 'http://n', halted) as {
      alerts: { fingerprint: string }[];
    };
    const other = webhookEventBody('x', 'http://n', { ...halted, eventId: '4712' }) as {
      alerts: { fingerprint: string }[];
    };
    expect(again.alerts[0].fingerprint).toBe(body.alerts[0].fingerprint);
    expect(other.alerts[0].fingerprint).not.toBe(body.alerts[0].fingerprint);
  });

  it('names every event type, and has no halted_reason beyond a halt', () => {
    const names = (['ROLLOUT_COMPLETED', 'DEPLOYMENT_DEGRADED', 'DEPLOYMENT_FAILED'] as const).map(
      (type) => {
        const a = alertmanagerEventAlert('http://n', { ...halted, type, reason: 'why' });
        expect(a).not.toHaveProperty('endsAt');
        expect(a.annotations).not.toHaveProperty('halted_reason');
        return (a.labels as Record<string, string>).alertname;
      },
    );
    expect(names).toEqual(['RolloutCompleted', 'DeploymentDegraded', 'DeploymentFailed']);
  });

  it('receivers without events get every alert change; with a list, what it names', () => {
    expect(receiverTakesAlert({ events: [] }, 'ALERT_FIRING')).toBe(true);
    expect(receiverTakesAlert({ events: ['ROLLOUT_HALTED'] }, 'ALERT_FIRING')).toBe(false);
    expect(receiverTakesAlert({ events: ['ALERT_RESOLVED'] }, 'ALERT_RESOLVED')).toBe(true);
    expect(eventDedupeKey('17', 4)).toBe('event:17:receiver:4');
  });
});
