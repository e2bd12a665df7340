import { ROLLOUT_CHECK_COALESCE_MS, rolloutCheckOptions } from './jobs';

describe('rolloutCheckOptions', () => {
  const slotStart = 1_700_000_000_000;

  it('gives requests of one slot one job id, run once the slot is over', () => {
    const first = rolloutCheckOptions(7, slotStart + 10, slotStart + 10);
    const last = rolloutCheckOptions(7, slotStart + 99, slotStart + 99);
    expect(first.jobId).toBe(last.jobId);
    expect(first.delay).toBe(ROLLOUT_CHECK_COALESCE_MS - 10);
    expect(last.delay).toBe(1);
    // Whenever it was asked for, the job starts at the end of its slot.
    expect(slotStart + 10 + first.delay).toBe(slotStart + ROLLOUT_CHECK_COALESCE_MS);
    expect(slotStart + 99 + last.delay).toBe(slotStart + ROLLOUT_CHECK_COALESCE_MS);
  });

  it('starts a new job in the next slot and keeps deployments apart', () => {
    const a = rolloutCheckOptions(7, slotStart, slotStart);
    expect(rolloutCheckOptions(7, slotStart + ROLLOUT_CHECK_COALESCE_MS, slotStart).jobId).not.toBe(
      a.jobId,
    );
    expect(rolloutCheckOptions(8, slotStart, slotStart).jobId).not.toBe(a.jobId);
  });

  it('waits for a check asked for later until the end of that later slot', () => {
    const later = rolloutCheckOptions(7, slotStart + 5_050, slotStart);
    expect(later.delay).toBe(5_100);
    expect(later.removeOnComplete).toBe(true);
  });
});
