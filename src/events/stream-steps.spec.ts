import {
  compareCursor,
  feedStepAfterPoll,
  framesAfter,
  KEEP_ALIVE_MS,
  nextStreamStep,
  POLL_MS,
  retryDelayMs,
  STREAM_BATCH,
  StreamFacts,
} from './stream-steps';

const at = (xid: string, id: number) => ({ xid, id });

const facts = (f: Partial<StreamFacts> = {}): StreamFacts => ({
  cursor: at('10', 5),
  joined: true,
  feedCursor: at('10', 5),
  feedEnded: null,
  feedHasJoined: true,
  queued: 0,
  quietMs: 0,
  ...f,
});

describe('compareCursor', () => {
  it('orders by transaction, then id', () => {
    expect(compareCursor(at('9', 50), at('10', 1))).toBeLessThan(0);
    expect(compareCursor(at('10', 1), at('9', 50))).toBeGreaterThan(0);
    expect(compareCursor(at('10', 1), at('10', 2))).toBeLessThan(0);
    expect(compareCursor(at('10', 2), at('10', 2))).toBe(0);
  });

  it('compares transaction ids as numbers past the safe integers', () => {
    expect(compareCursor(at('9007199254740993', 1), at('9007199254740992', 9))).toBeGreaterThan(0);
  });
});

describe('nextStreamStep', () => {
  describe('a stream not joined to the feed', () => {
    const behind = (f: Partial<StreamFacts> = {}) =>
      facts({ joined: false, cursor: at('10', 1), ...f });

    it('catches up while behind a feed others are joined to', () => {
      expect(nextStreamStep(behind())).toEqual({ kind: 'catch-up' });
    });

    it('joins once caught up', () => {
      expect(nextStreamStep(behind({ cursor: at('10', 5) }))).toEqual({ kind: 'join' });
      expect(nextStreamStep(behind({ cursor: at('11', 1) }))).toEqual({ kind: 'join' });
    });

    it('joins at once, behind or not, while nobody is joined', () => {
      expect(nextStreamStep(behind({ feedHasJoined: false }))).toEqual({ kind: 'join' });
    });

    it('catches up to the end of an ended feed, then ends', () => {
      expect(
        nextStreamStep(behind({ feedEnded: 'deployment deleted', feedHasJoined: false })),
      ).toEqual({ kind: 'catch-up' });
      expect(
        nextStreamStep(behind({ feedEnded: 'deployment deleted', cursor: at('10', 5) })),
      ).toEqual({ kind: 'end', reason: 'deployment deleted' });
    });
  });

  describe('a joined stream', () => {
    it('writes what it was handed first, even once the feed has ended', () => {
      expect(nextStreamStep(facts({ queued: 3 }))).toEqual({ kind: 'write-queued' });
      expect(nextStreamStep(facts({ queued: 3, feedEnded: 'deployment deleted' }))).toEqual({
        kind: 'write-queued',
      });
    });

    it('ends after its last frame once the feed has ended', () => {
      expect(nextStreamStep(facts({ feedEnded: 'deployment deleted' }))).toEqual({
        kind: 'end',
        reason: 'deployment deleted',
      });
    });

    it('sleeps until the keep-alive is due', () => {
      expect(nextStreamStep(facts({ quietMs: 4_000 }))).toEqual({
        kind: 'sleep',
        ms: KEEP_ALIVE_MS - 4_000,
      });
    });

    it('says something after KEEP_ALIVE_MS of silence', () => {
      expect(nextStreamStep(facts({ quietMs: KEEP_ALIVE_MS }))).toEqual({ kind: 'keep-alive' });
      expect(nextStreamStep(facts({ quietMs: KEEP_ALIVE_MS + 1 }))).toEqual({
        kind: 'keep-alive',
      });
    });
  });
});

describe('framesAfter', () => {
  const frame = (xid: string, id: number) => ({ cursor: at(xid, id), text: `${xid}/${id};` });

  it('joins the frames after the cursor and moves the cursor to the last', () => {
    const frames = [frame('10', 6), frame('10', 7), frame('11', 1)];
    expect(framesAfter(frames, at('10', 5))).toEqual({
      text: '10/6;10/7;11/1;',
      cursor: at('11', 1),
    });
  });

  it('skips frames at or before the cursor, so nothing is written twice', () => {
    const frames = [frame('10', 4), frame('10', 5), frame('10', 6)];
    expect(framesAfter(frames, at('10', 5))).toEqual({ text: '10/6;', cursor: at('10', 6) });
  });

  it('keeps the cursor when nothing is after it', () => {
    expect(framesAfter([frame('9', 1)], at('10', 5))).toEqual({ text: '', cursor: at('10', 5) });
    expect(framesAfter([], at('10', 5))).toEqual({ text: '', cursor: at('10', 5) });
  });
});

describe('feedStepAfterPoll', () => {
  it('ends the feed of a deployment that is gone with nothing left to hand out', () => {
    expect(feedStepAfterPoll({ rows: 0, live: false, pending: false })).toBe('end');
  });

  it('keeps polling a deleted deployment while rows are still held back or arriving', () => {
    expect(feedStepAfterPoll({ rows: 0, live: false, pending: true })).toBe('sleep');
    expect(feedStepAfterPoll({ rows: 3, live: false, pending: false })).toBe('sleep');
  });

  it('reads again at once after a full batch', () => {
    expect(feedStepAfterPoll({ rows: STREAM_BATCH, live: true, pending: false })).toBe(
      'poll-again',
    );
    expect(feedStepAfterPoll({ rows: STREAM_BATCH, live: false, pending: false })).toBe(
      'poll-again',
    );
  });

  it('sleeps after a short batch', () => {
    expect(feedStepAfterPoll({ rows: 0, live: true, pending: false })).toBe('sleep');
    expect(feedStepAfterPoll({ rows: STREAM_BATCH - 1, live: true, pending: false })).toBe('sleep');
  });
});

describe('retryDelayMs', () => {
  it('doubles from the poll interval and stops at five seconds', () => {
    expect([1, 2, 3, 4, 5, 10].map(retryDelayMs)).toEqual([
      POLL_MS * 2,
      POLL_MS * 4,
      POLL_MS * 8,
      POLL_MS * 16,
      5000,
      5000,
    ]);
  });
});
