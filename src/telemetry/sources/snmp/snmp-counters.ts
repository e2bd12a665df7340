/**
 * The arithmetic of SNMP polling, without I/O: which interfaces a sample sums, and the sample
 * two polls of one agent give (or why they give none).
 */

/** IANAifType softwareLoopback. */
export const SOFTWARE_LOOPBACK = 24;

/** The counters kept per interface, in this order: what the deltas are taken of. */
export const COUNTERS = [
  'inOctets',
  'outOctets',
  'inUcastPkts',
  'inMulticastPkts',
  'inBroadcastPkts',
  'outUcastPkts',
  'outMulticastPkts',
  'outBroadcastPkts',
  'inErrors',
  'outErrors',
] as const;
export type CounterName = (typeof COUNTERS)[number];

const OCTETS: CounterName[] = ['inOctets', 'outOctets'];
const PACKETS: CounterName[] = [
  'inUcastPkts',
  'inMulticastPkts',
  'inBroadcastPkts',
  'outUcastPkts',
  'outMulticastPkts',
  'outBroadcastPkts',
];
const ERRORS: CounterName[] = ['inErrors', 'outErrors'];

/** One row of the agent's interface tables. */
export interface InterfaceRow {
  name: string;
  type: number;
  /** ifOperStatus up(1). */
  up: boolean;
  counters: Record<CounterName, bigint>;
}

/** What one poll read: the agent's uptime (TimeTicks, hundredths of a second) and its rows by ifIndex. */
export interface PollReading {
  sysUpTime: number;
  interfaces: Map<number, InterfaceRow>;
}

/**
 * What is kept of a node's last poll for the next one (JSON: counters as decimal strings, in
 * COUNTERS order, by ifIndex).
 */
export interface CounterState {
  sys_uptime: number;
  counters: Record<string, string[]>;
}

export type PollOutcome =
  | { kind: 'sample'; throughputGbps: number; errorRate: number | null }
  /** First poll of the node: nothing to take a delta from. */
  | { kind: 'primed' }
  /** The interval is dropped: the agent restarted, a counter went backwards, or no time passed. */
  | { kind: 'dropped'; reason: 'agent restarted' | 'counter went backwards' | 'no time passed' };

/**
 * The ifIndexes a sample sums: those whose ifName matches `pattern`, or without one every
 * interface that is up and not a software loopback.
 */
export function selectInterfaces(
  interfaces: Map<number, InterfaceRow>,
  pattern: RegExp | null,
): number[] {
  const selected: number[] = [];
  for (const [index, row] of interfaces) {
    const keep = pattern ? pattern.test(row.name) : row.up && row.type !== SOFTWARE_LOOPBACK;
    if (keep) selected.push(index);
  }
  return selected;
}

/** The reading as it is kept for the next poll. */
export function stateOf(reading: PollReading): CounterState {
  const counters: Record<string, string[]> = {};
  for (const [index, row] of reading.interfaces) {
    counters[index] = COUNTERS.map((c) => row.counters[c].toString());
  }
  return { sys_uptime: reading.sysUpTime, counters };
}

/**
 * The sample of the interval between the previous poll and this one over the selected
 * interfaces: throughput_gbps = 8·Δoctets / Δt / 1e9 (in and out), error_rate = 100·Δerrors /
 * Δpackets (null when no packet passed), Δt from sysUpTime. An interface that was not there at
 * the previous poll counts from the next one. Any counter that went backwards drops the whole
 * interval: a 32-bit counter that wrapped cannot be told from one that was reset.
 */
export function intervalSample(
  previous: CounterState | null,
  current: PollReading,
  selected: number[],
): PollOutcome {
  if (!previous) return { kind: 'primed' };
  if (current.sysUpTime < previous.sys_uptime)
    return { kind: 'dropped', reason: 'agent restarted' };
  const seconds = (current.sysUpTime - previous.sys_uptime) / 100;
  if (seconds <= 0) return { kind: 'dropped', reason: 'no time passed' };
  let octets = 0n;
  let packets = 0n;
  let errors = 0n;
  for (const index of selected) {
    const before = previous.counters[index];
    const row = current.interfaces.get(index);
    if (!before || !row) continue;
    const delta = {} as Record<CounterName, bigint>;
    for (let i = 0; i < COUNTERS.length; i++) {
      const d = row.counters[COUNTERS[i]] - BigInt(before[i]);
      if (d < 0n) return { kind: 'dropped', reason: 'counter went backwards' };
      delta[COUNTERS[i]] = d;
    }
    octets += sum(delta, OCTETS);
    packets += sum(delta, PACKETS);
    errors += sum(delta, ERRORS);
  }
  const throughputGbps = (8 * Number(octets)) / seconds / 1e9;
  // Errored packets are counted apart from the delivered ones: the share is capped at 100.
  const errorRate = packets === 0n ? null : Math.min(100, (100 * Number(errors)) / Number(packets));
  return { kind: 'sample', throughputGbps, errorRate };
}

function sum(delta: Record<CounterName, bigint>, names: CounterName[]): bigint {
  return names.reduce((acc, n) => acc + delta[n], 0n);
}
