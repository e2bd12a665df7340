import { isIP } from 'node:net';
import type { PlannedLink } from './fabric-topology';
import { NodeRole } from './node-role';

/** A node given by the client: its name, where to reach it, its role and its variables. */
export interface InventoryNode {
  hostname: string;
  management_address: string;
  role?: NodeRole;
  vars?: Record<string, unknown>;
}

/** A cable between two nodes of the request, named by host name and interface. */
export interface InventoryLink {
  a: string;
  a_interface: string;
  b: string;
  b_interface: string;
}

/** The most a node's vars may take, as JSON text. */
export const MAX_VARS_BYTES = 4096;

/** Host names of the inventory: 1-63 letters, digits, `-`, `.`, `_`. */
export const INVENTORY_HOSTNAME = /^[A-Za-z0-9._-]{1,63}$/;

/** One spelling per address: IPv6 compressed and lower case, so duplicates are found. */
export function canonicalAddress(address: string): string {
  return isIP(address) === 6 ? new URL(`http://[${address}]`).hostname.slice(1, -1) : address;
}

/** The byte size of vars as stored (JSON text), for the 4 KiB limit. */
export function varsBytes(vars: unknown): number {
  return Buffer.byteLength(JSON.stringify(vars ?? {}));
}

/** `what` of entry `i` that repeats an earlier entry: one message per repeat. */
function duplicates<T>(
  items: readonly T[],
  key: (item: T) => string,
  field: string,
  taken: ReadonlyMap<string, string> = new Map(),
): string[] {
  const first = new Map<string, number>();
  const problems: string[] = [];
  items.forEach((item, i) => {
    const k = key(item);
    const earlier = first.get(k);
    if (earlier !== undefined) {
      problems.push(`nodes[${i}].${field} ${JSON.stringify(k)} duplicates nodes[${earlier}]`);
    } else if (taken.has(k)) {
      problems.push(`nodes[${i}].${field} ${JSON.stringify(k)} is already ${taken.get(k)}'s`);
    } else {
      first.set(k, i);
    }
  });
  return problems;
}

/**
 * What is wrong across the entries of a node list and its links (field checks are the DTO's):
 * repeated host names or addresses (among the entries, or taken by the deployment's nodes),
 * links naming unknown host names or an interface twice. One message per problem, by index.
 */
export function inventoryProblems(
  nodes: readonly InventoryNode[],
  links: readonly InventoryLink[] = [],
  existing: {
    hostnames?: ReadonlyMap<string, string>;
    addresses?: ReadonlyMap<string, string>;
  } = {},
): string[] {
  const problems = [
    ...duplicates(nodes, (n) => n.hostname, 'hostname', existing.hostnames),
    ...duplicates(
      nodes,
      (n) => canonicalAddress(n.management_address),
      'management_address',
      existing.addresses,
    ),
  ];
  const known = new Set(nodes.map((n) => n.hostname));
  const used = new Map<string, number>();
  links.forEach((link, i) => {
    for (const side of ['a', 'b'] as const) {
      const host = link[side];
      const iface = link[`${side}_interface`];
      if (!known.has(host)) {
        problems.push(`links[${i}].${side} ${JSON.stringify(host)} is not a hostname of nodes`);
        continue;
      }
      const key = `${host} ${iface}`;
      const earlier = used.get(key);
      if (earlier !== undefined) {
        problems.push(
          `links[${i}].${side}_interface: ${host} ${iface} is already used by links[${earlier}]`,
        );
      } else {
        used.set(key, i);
      }
    }
    if (link.a === link.b) problems.push(`links[${i}] links ${link.a} to itself`);
  });
  return problems;
}

const ROLE_ORDER: Record<NodeRole, number> = {
  [NodeRole.SPINE]: 0,
  [NodeRole.BORDER_LEAF]: 1,
  [NodeRole.LEAF]: 2,
};

/**
 * The nodes in the order they are numbered: spines, then border leaves, then leaves, each in
 * the order given (as a generated fabric), so every rollout wave stays within one role.
 */
export function numberedInventory(nodes: readonly InventoryNode[]): InventoryNode[] {
  return nodes
    .map((node, i) => ({ node, i }))
    .sort(
      (x, y) =>
        ROLE_ORDER[x.node.role ?? NodeRole.LEAF] - ROLE_ORDER[y.node.role ?? NodeRole.LEAF] ||
        x.i - y.i,
    )
    .map(({ node }) => node);
}

/**
 * The links a client gave, by node number, for the links table: side a is the spine when only
 * side b names one (the table keeps spines on side a, as generated fabrics do). Each node side
 * numbers its links 1, 2, ... in the order given (the table's ports); the names are the client's.
 */
export function inventoryLinks(
  numbered: readonly InventoryNode[],
  links: readonly InventoryLink[],
  firstSeq = 1,
): PlannedLink[] {
  const seqOf = new Map(numbered.map((n, i) => [n.hostname, { seq: firstSeq + i, role: n.role }]));
  const ports = new Map<string, number>();
  const port = (side: 'a' | 'b', seq: number) => {
    const next = (ports.get(`${side}${seq}`) ?? 0) + 1;
    ports.set(`${side}${seq}`, next);
    return next;
  };
  return links.map((link) => {
    const a = seqOf.get(link.a)!;
    const b = seqOf.get(link.b)!;
    const swap = b.role === NodeRole.SPINE && a.role !== NodeRole.SPINE;
    const [x, xIf, y, yIf] = swap
      ? [b, link.b_interface, a, link.a_interface]
      : [a, link.a_interface, b, link.b_interface];
    return {
      spineSeq: x.seq,
      spinePort: port('a', x.seq),
      spineInterface: xIf,
      leafSeq: y.seq,
      leafPort: port('b', y.seq),
      leafInterface: yIf,
    };
  });
}
