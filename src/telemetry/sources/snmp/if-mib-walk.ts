import { COUNTERS, CounterName, InterfaceRow } from './snmp-counters';

/** SNMPv2-MIB sysUpTime (TimeTicks): GETBULK's non-repeaters ask for the next OID, sysUpTime.0. */
export const SYS_UPTIME = '1.3.6.1.2.1.1.3';
export const SYS_UPTIME_0 = `${SYS_UPTIME}.0`;

const IF_ENTRY = '1.3.6.1.2.1.2.2.1';
const IFX_ENTRY = '1.3.6.1.2.1.31.1.1.1';

/** The IF-MIB columns a poll walks, with what each fills in. */
export const COLUMNS: { oid: string; field: 'name' | 'type' | 'status' | CounterName }[] = [
  { oid: `${IFX_ENTRY}.1`, field: 'name' },
  { oid: `${IF_ENTRY}.3`, field: 'type' },
  { oid: `${IF_ENTRY}.8`, field: 'status' },
  { oid: `${IFX_ENTRY}.6`, field: 'inOctets' },
  { oid: `${IFX_ENTRY}.10`, field: 'outOctets' },
  { oid: `${IFX_ENTRY}.7`, field: 'inUcastPkts' },
  { oid: `${IFX_ENTRY}.8`, field: 'inMulticastPkts' },
  { oid: `${IFX_ENTRY}.9`, field: 'inBroadcastPkts' },
  { oid: `${IFX_ENTRY}.11`, field: 'outUcastPkts' },
  { oid: `${IFX_ENTRY}.12`, field: 'outMulticastPkts' },
  { oid: `${IFX_ENTRY}.13`, field: 'outBroadcastPkts' },
  { oid: `${IF_ENTRY}.14`, field: 'inErrors' },
  { oid: `${IF_ENTRY}.20`, field: 'outErrors' },
];

/** A varbind as the SNMP library hands it over: its OID and its decoded value. */
export interface Varbind {
  oid: string;
  value: unknown;
}

/** An unsigned integer of any SNMP encoding as a BigInt: Counter64 arrives as big-endian bytes. */
export function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (Buffer.isBuffer(value)) {
    return value.length === 0 ? 0n : BigInt(`0x${value.toString('hex')}`);
  }
  throw new Error(`not an SNMP integer: ${typeof value}`);
}

/**
 * The rows of a table walk, column by column: each GETBULK answer is absorbed and says which
 * columns are still inside their subtree and where to go on from.
 */
export class IfTableWalk {
  /** Values by column index, then by ifIndex. */
  private readonly values = COLUMNS.map(() => new Map<number, unknown>());
  /** Per column: the OID to continue from, or null when it left its subtree. */
  private readonly cursor: (string | null)[] = COLUMNS.map((c) => c.oid);

  /** The columns still to walk, with the OID to ask GETBULK for next. */
  pending(): { column: number; oid: string }[] {
    const out: { column: number; oid: string }[] = [];
    this.cursor.forEach((oid, column) => oid !== null && out.push({ column, oid }));
    return out;
  }

  /**
   * One GETBULK answer: `rows[i]` holds the repetitions for `columns[i]`. A varbind past its
   * column (or an end-of-view or error value, flagged by `isEnd`) ends that column; a column that
   * got every repetition it asked for goes on from its last OID.
   */
  absorb(columns: number[], rows: Varbind[][], isEnd: (vb: Varbind) => boolean): void {
    columns.forEach((column, i) => {
      const prefix = `${COLUMNS[column].oid}.`;
      let last: string | null = null;
      for (const vb of rows[i] ?? []) {
        if (isEnd(vb) || !vb.oid.startsWith(prefix)) {
          last = null;
          this.cursor[column] = null;
          return;
        }
        this.values[column].set(Number(vb.oid.slice(prefix.length)), vb.value);
        last = vb.oid;
      }
      this.cursor[column] = last;
    });
  }

  /** The interfaces that have a name, a type, a status and every counter. */
  interfaces(): Map<number, InterfaceRow> {
    const out = new Map<number, InterfaceRow>();
    for (const [index, name] of this.values[0]) {
      const get = (field: string) =>
        this.values[COLUMNS.findIndex((c) => c.field === field)].get(index);
      const type = get('type');
      const status = get('status');
      if (type === undefined || status === undefined) continue;
      const counters = {} as Record<CounterName, bigint>;
      let complete = true;
      for (const c of COUNTERS) {
        const v = get(c);
        if (v === undefined) complete = false;
        else counters[c] = toBigInt(v);
      }
      if (!complete) continue;
      out.set(index, {
        name: Buffer.isBuffer(name) ? name.toString('utf8') : String(name),
        type: Number(type),
        up: Number(status) === 1,
        counters,
      });
    }
    return out;
  }
}
