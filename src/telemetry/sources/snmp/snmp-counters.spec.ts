import {
  COUNTERS,
  CounterName,
  InterfaceRow,
  intervalSample,
  PollReading,
  selectInterfaces,
  SOFTWARE_LOOPBACK,
  stateOf,
} from './snmp-counters';

const ETHERNET = 6;

function row(
  name: string,
  values: Partial<Record<CounterName, bigint>>,
  up = true,
  type = ETHERNET,
): InterfaceRow {
  const counters = Object.fromEntries(COUNTERS.map((c) => [c, values[c] ?? 0n])) as Record<
    CounterName,
    bigint
  >;
  return { name, type, up, counters };
}

function reading(sysUpTime: number, rows: [number, InterfaceRow][]): PollReading {
  return { sysUpTime, interfaces: new Map(rows) };
}

describe('selectInterfaces', () => {
  const interfaces = new Map<number, InterfaceRow>([
    [1, row('lo', {}, true, SOFTWARE_LOOPBACK)],
    [2, row('eth0', {})],
    [3, row('eth1', {}, false)],
    [4, row('swp1', {})],
  ]);

  it('takes every interface that is up and not a software loopback by default', () => {
    expect(selectInterfaces(interfaces, null)).toEqual([2, 4]);
  });

  it('takes the interfaces whose ifName matches the pattern, whatever their state or type', () => {
    expect(selectInterfaces(interfaces, /^eth/)).toEqual([2, 3]);
    expect(selectInterfaces(interfaces, /^lo$/)).toEqual([1]);
  });
});

describe('intervalSample', () => {
  const first = reading(1000, [
    [1, row('eth0', { inOctets: 1_000n, outOctets: 2_000n, inUcastPkts: 10n, outUcastPkts: 10n })],
  ]);

  it('only primes on the first poll of a node', () => {
    expect(intervalSample(null, first, [1])).toEqual({ kind: 'primed' });
  });

  it('derives throughput from octets over the sysUpTime delta and error rate from packets', () => {
    // 5 s later: 625,000,000 octets in and out = 5e9 bits over 5 s = 1 Gbit/s.
    const next = reading(1500, [
      [
        1,
        row('eth0', {
          inOctets: 1_000n + 312_500_000n,
          outOctets: 2_000n + 312_500_000n,
          inUcastPkts: 10n + 600n,
          inMulticastPkts: 100n,
          inBroadcastPkts: 100n,
          outUcastPkts: 10n + 100n,
          outMulticastPkts: 50n,
          outBroadcastPkts: 50n,
          inErrors: 8n,
          outErrors: 2n,
        }),
      ],
    ]);
    const outcome = intervalSample(stateOf(first), next, [1]);
    expect(outcome).toEqual({ kind: 'sample', throughputGbps: 1, errorRate: 1 });
  });

  it('reads 64-bit counters beyond 2^53 exactly', () => {
    const big = 2n ** 63n;
    const a = reading(100, [[1, row('eth0', { inOctets: big, inUcastPkts: 1n })]]);
    const b = reading(200, [[1, row('eth0', { inOctets: big + 125_000_000n, inUcastPkts: 2n })]]);
    expect(intervalSample(stateOf(a), b, [1])).toEqual({
      kind: 'sample',
      throughputGbps: 1,
      errorRate: 0,
    });
  });

  it('gives a null error rate, not a zero, when no packet passed', () => {
    const same = reading(1500, [...first.interfaces.entries()]);
    expect(intervalSample(stateOf(first), same, [1])).toEqual({
      kind: 'sample',
      throughputGbps: 0,
      errorRate: null,
    });
  });

  it('drops the interval when the agent restarted (sysUpTime smaller)', () => {
    const restarted = reading(20, [[1, row('eth0', { inOctets: 5n })]]);
    expect(intervalSample(stateOf(first), restarted, [1])).toEqual({
      kind: 'dropped',
      reason: 'agent restarted',
    });
  });

  it('drops the interval when a counter went backwards: a wrapped 32-bit error counter', () => {
    const a = reading(100, [[1, row('eth0', { inErrors: 2n ** 32n - 5n, inUcastPkts: 5n })]]);
    const b = reading(600, [[1, row('eth0', { inErrors: 3n, inUcastPkts: 900n, inOctets: 9n })]]);
    expect(intervalSample(stateOf(a), b, [1])).toEqual({
      kind: 'dropped',
      reason: 'counter went backwards',
    });
  });

  it('drops the interval when no time passed on the agent', () => {
    expect(intervalSample(stateOf(first), first, [1])).toEqual({
      kind: 'dropped',
      reason: 'no time passed',
    });
  });

  it('counts an interface that was not there at the previous poll from the next one on', () => {
    const next = reading(1100, [
      [
        1,
        row('eth0', {
          inOctets: 1_000n + 12_500n,
          outOctets: 2_000n,
          inUcastPkts: 20n,
          outUcastPkts: 10n,
        }),
      ],
      [2, row('eth1', { inOctets: 10n ** 12n, inUcastPkts: 10n ** 9n })],
    ]);
    expect(intervalSample(stateOf(first), next, [1, 2])).toEqual({
      kind: 'sample',
      throughputGbps: 0.0001,
      errorRate: 0,
    });
  });

  it('sums only the selected interfaces', () => {
    const a = reading(0, [
      [1, row('eth0', { inOctets: 0n })],
      [2, row('eth1', { inOctets: 0n })],
    ]);
    const b = reading(100, [
      [1, row('eth0', { inOctets: 125_000_000n, inUcastPkts: 1n })],
      [2, row('eth1', { inOctets: 999_000_000n, inUcastPkts: 1n })],
    ]);
    expect(intervalSample(stateOf(a), b, [1])).toMatchObject({ throughputGbps: 1 });
  });

  it('keeps the counters as decimal strings by ifIndex', () => {
    expect(stateOf(first)).toEqual({
      sys_uptime: 1000,
      counters: { 1: ['1000', '2000', '10', '0', '0', '10', '0', '0', '0', '0'] },
    });
  });
});
