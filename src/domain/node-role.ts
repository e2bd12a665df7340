/**
 * What a switch is in a leaf-spine (two-tier Clos) fabric. The string values are what
 * PostgreSQL (nodes.role) and the API carry. A deployment created without a topology has only
 * leaves and no links.
 */
export enum NodeRole {
  SPINE = 'spine',
  BORDER_LEAF = 'border-leaf',
  LEAF = 'leaf',
}

/** Numbering order within a fabric (the enum's): spines first, then border leaves, then leaves. */
export const NODE_ROLES: readonly NodeRole[] = Object.freeze(Object.values(NodeRole));

/** Leaves and border leaves: every one of them has an uplink to every spine. */
export function isLeafRole(role: NodeRole): boolean {
  return role !== NodeRole.SPINE;
}
