import { splitWindow } from './analysis-window';

describe('window split', () => {
  it('splits at whole minutes', () => {
    const w = splitWindow(new Date('2026-11-27T10:10:30.250Z'), 10);
    expect(w.from.toISOString()).toBe('2026-11-27T10:00:30.250Z');
    expect(w.wholeFrom.toISOString()).toBe('2026-11-27T10:01:00.000Z');
    expect(w.wholeTo.toISOString()).toBe('2026-11-27T10:10:00.000Z');
    expect(w.leadMinute.toISOString()).toBe('2026-11-27T10:00:00.000Z');
    // 30.25 s of the leading minute are before `from`, 29.75 s inside: read the inside directly.
    expect(w.leadByComplement).toBe(false);
    const early = splitWindow(new Date('2026-11-27T10:10:05.000Z'), 10);
    expect(early.leadMinute.toISOString()).toBe('2026-11-27T10:00:00.000Z');
    expect(early.leadByComplement).toBe(true);
    const aligned = splitWindow(new Date('2026-11-27T10:10:00.000Z'), 1);
    expect(aligned.wholeFrom.toISOString()).toBe('2026-11-27T10:09:00.000Z');
    expect(aligned.wholeTo.toISOString()).toBe('2026-11-27T10:10:00.000Z');
    // No leading partial minute: nothing before `from` to subtract.
    expect(aligned.leadByComplement).toBe(false);
  });
});
