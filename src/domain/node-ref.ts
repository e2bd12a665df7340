/** A node as a URL names it: the integer id, or its name within the deployment (`node-007`). */
export type NodeRef = { kind: 'id'; id: number } | { kind: 'seq'; seq: number };

export const NODE_REF_PATTERN = /^(\d{1,10}|node-\d{1,10})$/i;

const MAX_INT32 = 2_147_483_647;

/** Parses `17` or `node-017` (`node-17` too); null for anything else or out of range. */
export function parseNodeRef(value: string): NodeRef | null {
  if (!NODE_REF_PATTERN.test(value)) return null;
  const named = value.toLowerCase().startsWith('node-');
  const n = Number(named ? value.slice(5) : value);
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_INT32) return null;
  return named ? { kind: 'seq', seq: n } : { kind: 'id', id: n };
}

/** The name of the node with number `seq`: node-001 ... node-999, node-1000 ... */
export function nodeName(seq: number): string {
  return `node-${seq < 1000 ? String(seq).padStart(3, '0') : String(seq)}`;
}

/** The number part of nodeName in SQL (`001` ... `999`, `1000` ...), for an integer expression. */
export const NODE_NUMBER_SQL = (seq: string) =>
  `CASE WHEN ${seq} < 1000 THEN lpad(${seq}::text, 3, '0') ELSE ${seq}::text END`;
