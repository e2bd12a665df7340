import { ansibleVerdicts, parseAnsibleOutput } from './ansible-results';

describe('ansibleVerdicts', () => {
  const output: Parameters<typeof ansibleVerdicts>[0] = {
    plays: [
      {
        tasks: [
          {
            task: { name: 'ping' },
            hosts: { n1: {}, n2: {}, n3: { unreachable: true, msg: 'Connection refused' } },
          },
          {
            task: { name: 'fail by var' },
            hosts: { n1: {}, n2: { failed: true, msg: 'told to fail' } },
          },
        ],
      },
    ],
    stats: {
      n1: { failures: 0, unreachable: 0 },
      n2: { failures: 1, unreachable: 0 },
      n3: { failures: 0, unreachable: 1 },
    },
  };

  it('takes ok, failed and unreachable hosts from the recap with the failing task', () => {
    expect(ansibleVerdicts(output, [1, 2, 3, 4])).toEqual([
      { node_id: 1, status: 'succeeded', message: null },
      { node_id: 2, status: 'failed', message: 'failed at task "fail by var": told to fail' },
      { node_id: 3, status: 'failed', message: 'unreachable at task "ping": Connection refused' },
      { node_id: 4, status: 'failed', message: 'not in the playbook recap (never reached)' },
    ]);
  });

  it('reads the JSON document after leading warnings, and nothing from garbage', () => {
    expect(parseAnsibleOutput('[WARNING]: x\n{"stats": {}}')).toEqual({ stats: {} });
    expect(parseAnsibleOutput('no json here')).toBeNull();
    expect(parseAnsibleOutput('{ broken')).toBeNull();
  });
});
