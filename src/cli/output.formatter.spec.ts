import { outputFormatter } from './output.formatter';

const rows = [
  { id: 1, name: 'dc1', rollout: null },
  { id: 12, name: 'hall-b', rollout: { status: 'running' } },
];
const columns: [string, (r: (typeof rows)[number]) => unknown][] = [
  ['ID', (r) => r.id],
  ['NAME', (r) => r.name],
  ['ROLLOUT', (r) => r.rollout],
];

describe('outputFormatter', () => {
  it('aligns columns without borders, a dash for null, JSON for objects', () => {
    expect(outputFormatter.rows('table', rows, columns).split('\n')).toEqual([
      'ID  NAME    ROLLOUT',
      '1   dc1     -',
      '12  hall-b  {"status":"running"}',
    ]);
  });

  it('prints the data itself as JSON', () => {
    expect(JSON.parse(outputFormatter.rows('json', rows, columns))).toEqual(rows);
    expect(JSON.parse(outputFormatter.record('json', [['id', 1]], { id: 1 }))).toEqual({ id: 1 });
  });

  it('prints one record as field and value lines', () => {
    expect(
      outputFormatter.record(
        'table',
        [
          ['id', 7],
          ['status', 'running'],
        ],
        {},
      ),
    ).toBe('FIELD   VALUE\nid      7\nstatus  running');
  });
});
