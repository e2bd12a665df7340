import { MIN_WAKEUP_GAP_MS } from './lifecycle.constants';
import { decideShardRun, ShardRunFacts } from './shard-run-decision';

const NOW = 1_000_000;
const facts = (f: Partial<ShardRunFacts> = {}): ShardRunFacts => ({
  dueMs: NOW,
  nowMs: NOW,
  progressed: true,
  mayGoOn: true,
  ...f,
});

describe('decideShardRun', () => {
  it('runs another batch while nodes are due, the last batch moved some and time is left', () => {
    expect(decideShardRun(facts())).toEqual({ kind: 'continue' });
    expect(decideShardRun(facts({ dueMs: NOW - 5_000 }))).toEqual({ kind: 'continue' });
  });

  it('stops when nothing in the shard is scheduled, whatever else holds', () => {
    expect(decideShardRun(facts({ dueMs: null }))).toEqual({ kind: 'stop' });
    expect(decideShardRun(facts({ dueMs: null, progressed: false, mayGoOn: false }))).toEqual({
      kind: 'stop',
    });
  });

  it('wakes the shard after the gap when due nodes remain but the batch moved none', () => {
    expect(decideShardRun(facts({ progressed: false }))).toEqual({
      kind: 'wake',
      atMs: NOW + MIN_WAKEUP_GAP_MS,
    });
  });

  it('hands due nodes over to a wake-up after the gap when the run must end', () => {
    expect(decideShardRun(facts({ dueMs: NOW - 5_000, mayGoOn: false }))).toEqual({
      kind: 'wake',
      atMs: NOW + MIN_WAKEUP_GAP_MS,
    });
  });

  it('wakes the shard at its next due node when that is beyond the gap', () => {
    expect(decideShardRun(facts({ dueMs: NOW + 3_000 }))).toEqual({
      kind: 'wake',
      atMs: NOW + 3_000,
    });
  });

  it('never wakes the shard sooner than the gap from now', () => {
    expect(decideShardRun(facts({ dueMs: NOW + 10 }))).toEqual({
      kind: 'wake',
      atMs: NOW + MIN_WAKEUP_GAP_MS,
    });
  });
});
