import { columnsOf } from './sql-columns';

describe('columnsOf', () => {
  const rows = [
    { id: 1, name: 'a', extra: true },
    { id: 2, name: 'b', extra: false },
  ];

  it('gives one array per key, in the order of the keys, each in the order of the rows', () => {
    expect(columnsOf(rows, ['name', 'id'])).toEqual([
      ['a', 'b'],
      [1, 2],
    ]);
  });

  it('gives empty arrays for no rows and nothing for no keys', () => {
    expect(columnsOf([] as typeof rows, ['id', 'name'])).toEqual([[], []]);
    expect(columnsOf(rows, [])).toEqual([]);
  });
});
