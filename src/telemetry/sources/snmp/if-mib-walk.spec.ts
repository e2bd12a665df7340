import { COLUMNS, IfTableWalk, toBigInt, Varbind } from './if-mib-walk';

const never = () => false;

describe('toBigInt', () => {
  it('reads Counter64 bytes big-endian, numbers as they are', () => {
    expect(toBigInt(Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 1]))).toBe(2n ** 63n + 1n);
    expect(toBigInt(Buffer.alloc(0))).toBe(0n);
    expect(toBigInt(4294967295)).toBe(4294967295n);
  });

  it('refuses a value that is no integer', () => {
    expect(() => toBigInt('12')).toThrow('not an SNMP integer');
  });
});

describe('IfTableWalk', () => {
  /** `n` rows of every column for ifIndex from..from+n-1, in GETBULK's repeater layout. */
  const answer = (columns: number[], indexes: number[]): Varbind[][] =>
    columns.map((c) =>
      indexes.map((i) => ({
        oid: `${COLUMNS[c].oid}.${i}`,
        value:
          COLUMNS[c].field === 'name'
            ? Buffer.from(`if${i}`)
            : COLUMNS[c].field === 'status'
              ? 1
              : 6,
      })),
    );

  it('goes on from the last OID of each column until the column leaves its subtree', () => {
    const walk = new IfTableWalk();
    const all = COLUMNS.map((_, i) => i);
    walk.absorb(all, answer(all, [1, 2]), never);
    expect(walk.pending().map((p) => p.oid)).toEqual(COLUMNS.map((c) => `${c.oid}.2`));
    const rows = answer(all, [3]).map((r, c) => [
      ...r,
      { oid: `${COLUMNS[c].oid.replace(/\.\d+$/, '.99')}.1`, value: 0 },
    ]);
    walk.absorb(all, rows, never);
    expect(walk.pending()).toEqual([]);
    const interfaces = walk.interfaces();
    expect([...interfaces.keys()]).toEqual([1, 2, 3]);
    expect(interfaces.get(3)).toEqual({
      name: 'if3',
      type: 6,
      up: true,
      counters: expect.objectContaining({ inOctets: 6n, outErrors: 6n }),
    });
  });

  it('ends a column at an end-of-view value and skips rows missing a column', () => {
    const walk = new IfTableWalk();
    const all = COLUMNS.map((_, i) => i);
    const rows = answer(all, [1, 2]);
    rows[COLUMNS.length - 1] = [rows[COLUMNS.length - 1][0], { oid: 'x', value: null }];
    walk.absorb(all, rows, (vb) => vb.oid === 'x');
    expect(walk.pending().length).toBe(COLUMNS.length - 1);
    walk.absorb(
      walk.pending().map((p) => p.column),
      walk.pending().map(() => [{ oid: '1.3.6.1.9', value: 0 }]),
      never,
    );
    expect([...walk.interfaces().keys()]).toEqual([1]);
  });
});
