import { earliestPerShard, shardOfSeq, shardSeqRange, wakeUpJobId } from './lifecycle-shards';

describe('lifecycle shards', () => {
  it('maps node numbers onto shards and back', () => {
    expect(shardOfSeq(1, 1000)).toBe(0);
    expect(shardOfSeq(1000, 1000)).toBe(0);
    expect(shardOfSeq(1001, 1000)).toBe(1);
    expect(shardSeqRange(0, 1000)).toEqual([1, 1000]);
    expect(shardSeqRange(2, 1000)).toEqual([2001, 3000]);
    for (const seq of [1, 999, 1000, 1001, 123_456]) {
      const [from, to] = shardSeqRange(shardOfSeq(seq, 1000), 1000);
      expect(seq >= from && seq <= to).toBe(true);
    }
  });

  it('gives one job id per shard and due ms, without the colon BullMQ reserves', () => {
    const id = wakeUpJobId({ deploymentId: 12, shard: 3, dueAtMs: 1764250000123.7 });
    expect(id).toBe('advance-12-3-1764250000123');
    expect(id).not.toContain(':');
    expect(wakeUpJobId({ deploymentId: 12, shard: 3, dueAtMs: 1764250000123.2 })).toBe(id);
  });

  it('keeps only the earliest wake-up of each shard', () => {
    const merged = earliestPerShard([
      { deploymentId: 1, shard: 0, dueAtMs: 50 },
      { deploymentId: 1, shard: 0, dueAtMs: 20 },
      { deploymentId: 1, shard: 1, dueAtMs: 70 },
      { deploymentId: 2, shard: 0, dueAtMs: 90 },
    ]);
    expect(merged).toEqual([
      { deploymentId: 1, shard: 0, dueAtMs: 20 },
      { deploymentId: 1, shard: 1, dueAtMs: 70 },
      { deploymentId: 2, shard: 0, dueAtMs: 90 },
    ]);
  });
});
