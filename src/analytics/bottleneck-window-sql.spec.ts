import { splitWindow } from '../domain/analysis-window';
import { mergeParts, mergeRoleParts, WindowRow } from './window-parts';
import { leadRawUntil, prefixTerms } from './window-terms';
import { NodeRole } from '../domain/node-role';

const at = (hhmm: string) => new Date(`2026-11-27T${hhmm}:00.000Z`);
const iso = (dates: Date[]) => dates.map((d) => d.toISOString().slice(11, 16));

describe('prefixTerms', () => {
  const marks = { since: at('08:00'), until: at('10:20') };

  it('reads minutes inside one hour as the row at the last minute minus the row before the first', () => {
    const t = prefixTerms(at('10:05'), at('10:16'), marks);
    expect(iso(t.plus)).toEqual(['10:15']);
    expect(iso(t.minus)).toEqual(['10:04']);
    expect(t.rollupsFrom).toEqual(at('10:16'));
  });

  it('adds the last row of the earlier hour when the minutes cross the top of an hour', () => {
    const t = prefixTerms(at('09:55'), at('10:06'), marks);
    expect(iso(t.plus)).toEqual(['10:05', '09:59']);
    expect(iso(t.minus)).toEqual(['09:54']);
    expect(t.rollupsFrom).toEqual(at('10:06'));
  });

  it('subtracts nothing when the minutes start at the top of an hour', () => {
    const t = prefixTerms(at('10:00'), at('10:10'), marks);
    expect(iso(t.plus)).toEqual(['10:09']);
    expect(t.minus).toEqual([]);
  });

  it('stops at the folded minutes and reads the rest from rollups', () => {
    const t = prefixTerms(at('10:12'), at('10:25'), marks);
    expect(iso(t.plus)).toEqual(['10:19']);
    expect(iso(t.minus)).toEqual(['10:11']);
    expect(t.rollupsFrom).toEqual(at('10:20'));
  });

  it('never uses the trailing minute, which later samples may cut', () => {
    const t = prefixTerms(at('10:10'), at('10:11'), marks);
    expect(iso(t.plus)).toEqual(['10:10']);
    expect(t.rollupsFrom).toEqual(at('10:11'));
  });

  it('falls back to rollups when nothing is folded, the start is before `since` or after `until`', () => {
    const none = (t: ReturnType<typeof prefixTerms>, start: Date) => {
      expect(t.plus).toEqual([]);
      expect(t.minus).toEqual([]);
      expect(t.rollupsFrom).toEqual(start);
    };
    none(prefixTerms(at('10:05'), at('10:15'), null), at('10:05'));
    none(prefixTerms(at('07:55'), at('08:06'), marks), at('07:55'));
    none(prefixTerms(at('10:20'), at('10:31'), marks), at('10:20'));
  });
});

describe('leadRawUntil', () => {
  const marks = { since: at('08:00'), until: at('10:20') };

  it('reads raw samples only up to the next 10-second bucket of a folded leading minute', () => {
    const w = splitWindow(new Date('2026-11-27T10:15:23.500Z'), 10);
    expect(leadRawUntil(w, marks).toISOString()).toBe('2026-11-27T10:05:30.000Z');
  });

  it('reads none on a bucket boundary, and the whole partial minute when it is not folded', () => {
    const aligned = splitWindow(new Date('2026-11-27T10:15:40.000Z'), 10);
    expect(leadRawUntil(aligned, marks).toISOString()).toBe('2026-11-27T10:05:40.000Z');
    const late = splitWindow(new Date('2026-11-27T10:31:23.500Z'), 10);
    expect(leadRawUntil(late, marks)).toEqual(late.wholeFrom);
    const early = splitWindow(new Date('2026-11-27T08:05:23.500Z'), 10);
    expect(leadRawUntil(early, marks)).toEqual(early.wholeFrom);
    expect(leadRawUntil(late, null)).toEqual(late.wholeFrom);
  });
});

describe('mergeParts', () => {
  it('keeps every node row and sums the counts of the summary rows', () => {
    const node = (id: number): WindowRow => ({
      node_id: id,
      n: 3,
      latency_ms: 1,
      throughput_gbps: 2,
      error_rate: 0,
      last_epoch: 0,
      all_latency_ms: null,
      all_throughput_gbps: null,
      all_error_rate: null,
      metric_samples: [3, 3, 3],
      samples: null,
    });
    const summary = (below: number, analysed: number): WindowRow => ({
      ...node(0),
      node_id: null,
      n: below,
      analysed,
      all_latency_ms: [6, 6, 0],
      metric_samples: null,
      samples: '6',
    });
    const merged = mergeParts([
      [node(2), summary(1, 1)],
      [node(1), node(3), summary(2, 2)],
    ]);
    expect(merged.map((r) => r.node_id)).toEqual([2, 1, 3, null]);
    expect(merged[3]).toMatchObject({ n: 3, analysed: 3, all_latency_ms: [6, 6, 0] });
  });
});

describe('mergeRoleParts', () => {
  it('keeps every node row and one summary row per role, counts summed over the parts', () => {
    const row = (id: number | null, role: NodeRole, n = 3, analysed?: number): WindowRow => ({
      node_id: id,
      n,
      latency_ms: null,
      throughput_gbps: null,
      error_rate: null,
      last_epoch: null,
      all_latency_ms: id === null ? [10, 50, 2] : null,
      all_throughput_gbps: null,
      all_error_rate: null,
      metric_samples: id === null ? null : [n, n, n],
      samples: id === null ? 10 : null,
      analysed,
      role,
    });
    const merged = mergeRoleParts([
      [row(2, NodeRole.LEAF), row(null, NodeRole.SPINE, 0, 1), row(null, NodeRole.LEAF, 1, 4)],
      [row(1, NodeRole.SPINE), row(null, NodeRole.LEAF, 2, 5), row(null, NodeRole.SPINE, 0, 2)],
    ]);
    expect(merged.map((r) => [r.node_id, r.role])).toEqual([
      [2, NodeRole.LEAF],
      [1, NodeRole.SPINE],
      [null, NodeRole.SPINE],
      [null, NodeRole.LEAF],
    ]);
    expect(merged[2]).toMatchObject({ n: 0, analysed: 3, all_latency_ms: [10, 50, 2] });
    expect(merged[3]).toMatchObject({ n: 3, analysed: 9 });
  });
});
