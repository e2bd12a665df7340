/**
 * The topology builder, pure: which nodes a leaf-spine fabric has (numbers, roles, host names)
 * and which links join them (every leaf and border leaf to every spine), for a new fabric and
 * for nodes added to one. The store writes what it plans.
 */
import { NodeRole } from './node-role';

/** A fabric as the API describes it. */
export interface TopologyShape {
  spines: number;
  leaves: number;
  borderLeaves: number;
}

/** At most this many spines in a fabric: a leaf has one uplink per spine. */
export const MAX_SPINES = 64;

/**
 * At most this many links in a fabric (spines x (leaves + border leaves)): they are written in
 * the create's (or add's) transaction, which must end well within the statement timeout.
 */
export const MAX_LINKS = 200_000;

export function topologyLinkCount(shape: TopologyShape): number {
  return shape.spines * (shape.leaves + shape.borderLeaves);
}

/** A leaf's first uplink port (Ethernet1/49): ports 1-48 face servers. */
export const LEAF_UPLINK_FIRST_PORT = 49;

/** The interface name of a port: Ethernet1/1 ... (the links table stores the same). */
export function interfaceName(port: number): string {
  return `Ethernet1/${port}`;
}

/** spine-01, border-leaf-01, leaf-001: the role and its number among the nodes of that role. */
export function roleHostname(role: NodeRole, ordinal: number): string {
  return `${role}-${String(ordinal).padStart(role === NodeRole.LEAF ? 3 : 2, '0')}`;
}

export function topologyNodeCount(shape: TopologyShape): number {
  return shape.spines + shape.borderLeaves + shape.leaves;
}

/** Nodes seq fromSeq..toSeq, all of one role, with their host names in order. */
export interface PlannedNodes {
  role: NodeRole;
  fromSeq: number;
  toSeq: number;
  hostnames: string[];
}

/** One link by node numbers: the spine's port (side a) and the leaf's port (side b). */
export interface PlannedLink {
  spineSeq: number;
  spinePort: number;
  leafSeq: number;
  leafPort: number;
  /** Interface names a client gave (an inventory's links); else Ethernet1/<port>. */
  spineInterface?: string;
  leafInterface?: string;
}

export interface FabricPlan {
  nodes: PlannedNodes[];
  links: PlannedLink[];
}

/** A node already in the fabric that new nodes link to, and its first free port. */
export interface LinkPeer {
  seq: number;
  nextPort: number;
}

/**
 * Adds `count` nodes of `role` numbered after `top`, their host names counting from
 * `firstOrdinal`. New leaves and border leaves link to every spine in `peers` (the spines, in
 * node order): leaf uplinks take Ethernet1/49 onwards in spine order, each spine its next free
 * ports. New spines link to every leaf and border leaf in `peers` (in node order): the spine's
 * ports 1, 2, ... in that order, each leaf its next free uplink port.
 */
export function planGrowth(
  role: NodeRole,
  count: number,
  top: number,
  firstOrdinal: number,
  peers: readonly LinkPeer[],
): FabricPlan {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count ${count} must be >= 1`);
  const nodes: PlannedNodes = {
    role,
    fromSeq: top + 1,
    toSeq: top + count,
    hostnames: Array.from({ length: count }, (_, i) => roleHostname(role, firstOrdinal + i)),
  };
  const links: PlannedLink[] = [];
  for (let i = 0; i < count; i++) {
    const seq = top + 1 + i;
    peers.forEach((peer, j) => {
      links.push(
        role === NodeRole.SPINE
          ? { spineSeq: seq, spinePort: j + 1, leafSeq: peer.seq, leafPort: peer.nextPort + i }
          : {
              spineSeq: peer.seq,
              spinePort: peer.nextPort + i,
              leafSeq: seq,
              leafPort: LEAF_UPLINK_FIRST_PORT + j,
            },
      );
    });
  }
  return { nodes: [nodes], links };
}

/**
 * A new fabric: spines node-001..., then border leaves, then leaves; every leaf and border leaf
 * linked to every spine. Spine s (1-based) reaches the k-th leaf or border leaf in node order on
 * its port k; that leaf reaches spine s on Ethernet1/(48 + s).
 */
export function planFabric(shape: TopologyShape): FabricPlan {
  const plan: FabricPlan = { nodes: [], links: [] };
  let top = 0;
  const spines: LinkPeer[] = [];
  const steps: [NodeRole, number][] = [
    [NodeRole.SPINE, shape.spines],
    [NodeRole.BORDER_LEAF, shape.borderLeaves],
    [NodeRole.LEAF, shape.leaves],
  ];
  for (const [role, count] of steps) {
    if (count === 0) continue;
    const step = planGrowth(role, count, top, 1, role === NodeRole.SPINE ? [] : spines);
    plan.nodes.push(...step.nodes);
    for (const link of step.links) plan.links.push(link);
    if (role === NodeRole.SPINE) {
      for (let seq = top + 1; seq <= top + count; seq++) spines.push({ seq, nextPort: 1 });
    } else {
      for (const spine of spines) spine.nextPort += count;
    }
    top += count;
  }
  return plan;
}
