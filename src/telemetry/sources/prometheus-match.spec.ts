import { matchSeries } from './prometheus-match';

const v = (labels: Record<string, string>, value: string) => ({
  metric: labels,
  value: [1796690000, value] as [number, string],
});

describe('matching Prometheus series to nodes', () => {
  const nodes = new Map([
    ['10.0.0.1', 11],
    ['10.0.0.2', 12],
  ]);

  it('matches by the node label without its port, one row per node, metrics in their place', () => {
    const { rows, unmatched, invalid } = matchSeries(
      [
        [v({ instance: '10.0.0.1:9116' }, '1.5'), v({ instance: '10.0.0.2:9116' }, '2.5')],
        [v({ instance: '10.0.0.1:9116' }, '9.75')],
        undefined,
      ],
      'instance',
      nodes,
    );
    expect(rows).toEqual([
      { nodeId: 11, values: [1.5, 9.75, null] },
      { nodeId: 12, values: [2.5, null, null] },
    ]);
    expect({ unmatched, invalid }).toEqual({ unmatched: 0, invalid: 0 });
  });

  it('counts series of no node or without the label, and skips values netorch cannot store', () => {
    const { rows, unmatched, invalid } = matchSeries(
      [
        [
          v({ instance: '10.9.9.9:9116' }, '1'),
          v({ job: 'snmp' }, '1'),
          v({ instance: '10.0.0.1' }, 'NaN'),
        ],
        [v({ instance: '10.0.0.1' }, '-1'), v({ instance: '10.0.0.1' }, '+Inf')],
        [v({ instance: '10.0.0.1' }, '100.5'), v({ instance: '10.0.0.2' }, '100')],
      ],
      'instance',
      nodes,
    );
    expect(rows).toEqual([{ nodeId: 12, values: [null, null, 100] }]);
    expect({ unmatched, invalid }).toEqual({ unmatched: 2, invalid: 4 });
  });

  it('takes the first series when several name one node', () => {
    const { rows } = matchSeries(
      [[v({ instance: '10.0.0.1:1' }, '3'), v({ instance: '10.0.0.1:2' }, '4')]],
      'instance',
      nodes,
    );
    expect(rows).toEqual([{ nodeId: 11, values: [3, null, null] }]);
  });
});
