import { nodeName, parseNodeRef } from './node-ref';

describe('parseNodeRef', () => {
  it.each([
    ['17', { kind: 'id', id: 17 }],
    ['node-017', { kind: 'seq', seq: 17 }],
    ['node-17', { kind: 'seq', seq: 17 }],
    ['NODE-1000', { kind: 'seq', seq: 1000 }],
    ['2147483647', { kind: 'id', id: 2147483647 }],
  ])('reads %s', (input, expected) => {
    expect(parseNodeRef(input)).toEqual(expected);
  });

  it.each(['', '0', 'node-000', 'node-', 'node-1a', '-1', '1.5', '2147483648', 'abc', 'n-1'])(
    'rejects %p',
    (input) => {
      expect(parseNodeRef(input)).toBeNull();
    },
  );
});

describe('nodeName', () => {
  it('pads to three digits below 1000 like the seed', () => {
    expect(nodeName(1)).toBe('node-001');
    expect(nodeName(999)).toBe('node-999');
    expect(nodeName(1000)).toBe('node-1000');
    expect(nodeName(10000)).toBe('node-10000');
  });

  it('is the inverse of parsing a name', () => {
    for (const seq of [1, 42, 999, 1000, 12345]) {
      expect(parseNodeRef(nodeName(seq))).toEqual({ kind: 'seq', seq });
    }
  });
});
