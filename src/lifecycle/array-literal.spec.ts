import { arrayLiteral } from './array-literal';

describe('arrayLiteral', () => {
  it('writes numbers, nulls and quoted words', () => {
    expect(arrayLiteral([1, 2.5, null, 1795820179827.125])).toBe('{1,2.5,NULL,1795820179827.125}');
    expect(arrayLiteral(['PENDING', 'configuration failed', '10.0.3.7', null])).toBe(
      '{"PENDING","configuration failed","10.0.3.7",NULL}',
    );
    expect(arrayLiteral([])).toBe('{}');
  });

  it('refuses what it cannot write without escaping', () => {
    for (const bad of ['a"b', 'a,b', '{x}', 'back\\slash', '']) {
      expect(() => arrayLiteral([bad])).toThrow(RangeError);
    }
    expect(() => arrayLiteral([NaN])).toThrow(RangeError);
    expect(() => arrayLiteral([Infinity])).toThrow(RangeError);
  });
});
