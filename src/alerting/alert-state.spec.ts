import { alertFingerprint, AlertTiming, endAlert, stepAlert } from './alert-state';

const t = (s: number) => new Date(Date.UTC(2026, 10, 27, 10, 0, s));
const rule = { forSeconds: 60, keepFiringForSeconds: 30 };

/** Runs a sequence of (second, breaching) evaluations and returns the states and transitions. */
function run(evals: [number, boolean][], r = rule) {
  let alert: AlertTiming | null = null;
  return evals.map(([s, breaching]) => {
    const step = stepAlert(alert, breaching, t(s), r);
    alert = step.next;
    return [alert?.state ?? null, step.transition];
  });
}

describe('stepAlert', () => {
  it('stays quiet while the node is fine', () => {
    expect(
      run([
        [0, false],
        [15, false],
      ]),
    ).toEqual([
      [null, null],
      [null, null],
    ]);
  });

  it('goes pending, then firing once for_seconds of continuous breach have passed', () => {
    expect(
      run([
        [0, true],
        [30, true],
        [59, true],
        [60, true],
        [75, true],
      ]),
    ).toEqual([
      ['pending', null],
      ['pending', null],
      ['pending', null],
      ['firing', 'firing'],
      ['firing', null],
    ]);
  });

  it('drops a pending alert that stops breaching, without a notification, and starts over', () => {
    expect(
      run([
        [0, true],
        [30, false],
        [45, true],
        [90, true],
        [105, true],
      ]),
    ).toEqual([
      ['pending', null],
      [null, null],
      ['pending', null],
      ['pending', null],
      ['firing', 'firing'],
    ]);
  });

  it('keeps firing for keep_firing_for_seconds after the last breach, then resolves once', () => {
    let alert: AlertTiming | null = null;
    const seq: [number, boolean][] = [
      [0, true],
      [60, true],
      [75, false],
      [90, true],
      [105, false],
      [119, false],
      [120, false],
      [135, false],
    ];
    const out = seq.map(([s, b]) => {
      const step = stepAlert(alert, b, t(s), rule);
      alert = step.next;
      return [alert?.state, step.transition];
    });
    expect(out).toEqual([
      ['pending', null],
      ['firing', 'firing'],
      ['firing', null],
      ['firing', null],
      ['firing', null],
      ['firing', null],
      ['resolved', 'resolved'],
      [undefined, null],
    ]);
  });

  it('records starts_at when firing and ends_at when resolved', () => {
    const first = stepAlert(null, true, t(0), rule).next!;
    const firing = stepAlert(first, true, t(60), rule).next!;
    expect(firing.activeSince).toEqual(t(0));
    expect(firing.startsAt).toEqual(t(60));
    expect(firing.endsAt).toBeNull();
    const resolved = stepAlert(firing, false, t(90), rule).next!;
    expect(resolved.state).toBe('resolved');
    expect(resolved.startsAt).toEqual(t(60));
    expect(resolved.endsAt).toEqual(t(90));
  });

  it('fires at once with for_seconds 0 and resolves at once with keep_firing_for 0', () => {
    expect(
      run(
        [
          [0, true],
          [15, false],
          [30, true],
        ],
        { forSeconds: 0, keepFiringForSeconds: 0 },
      ),
    ).toEqual([
      ['firing', 'firing'],
      ['resolved', 'resolved'],
      ['firing', 'firing'],
    ]);
  });
});

describe('endAlert', () => {
  it('resolves a firing alert and drops a pending one', () => {
    const pending = stepAlert(null, true, t(0), rule).next!;
    expect(endAlert(pending, t(5))).toEqual({ next: null, transition: null });
    const firing = stepAlert(pending, true, t(60), rule).next!;
    const ended = endAlert(firing, t(70));
    expect(ended.transition).toBe('resolved');
    expect(ended.next!.endsAt).toEqual(t(70));
  });
});

describe('alertFingerprint', () => {
  it('is stable per (rule, node) and differs between them', () => {
    expect(alertFingerprint(1, 2)).toBe(alertFingerprint(1, 2));
    expect(alertFingerprint(1, 2)).toMatch(/^[0-9a-f]{16}$/);
    expect(alertFingerprint(1, 2)).not.toBe(alertFingerprint(2, 1));
  });
});
