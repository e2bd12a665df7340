import { namedStatement } from './named-statement';

describe('namedStatement', () => {
  const statement = namedStatement<{ deployment: number; from: Date; limit: number }>(
    ['deployment', 'from', 'limit'],
    ($) => `SELECT * FROM t WHERE d = ${$.deployment} AND at >= ${$.from} LIMIT ${$.limit}`,
  );

  it('numbers the names in their order', () => {
    expect(statement.text).toBe('SELECT * FROM t WHERE d = $1 AND at >= $2 LIMIT $3');
  });

  it('passes named values in $n order, ignoring other properties', () => {
    const from = new Date(0);
    const values = statement.values({ limit: 5, from, deployment: 7, ...{ other: 1 } });
    expect(values).toEqual([7, from, 5]);
  });

  it('names positional values', () => {
    expect(statement.named([7, null, 5])).toEqual({ deployment: 7, from: null, limit: 5 });
  });

  it('refuses a name the text never uses, telling $1 from $10', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'] as const;
    type Ten = Record<(typeof names)[number], number>;
    expect(() => namedStatement<Ten>(names, ($) => `SELECT ${$.j}`)).toThrow(
      'Statement parameter a ($1) is never used',
    );
  });
});
