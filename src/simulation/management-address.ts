/** The highest id that still fits 10.0.0.0/8 without reaching the broadcast 10.255.255.255. */
export const MAX_MANAGEMENT_NODE_ID = 0xfffffe;

/**
 * The node's management IPv4 address: its id as the 24 host bits of 10.0.0.0/8, so the address
 * is unique per node, stable across restarts and never needs an allocation table.
 */
export function managementAddress(nodeId: number): string {
  if (!Number.isInteger(nodeId) || nodeId < 1 || nodeId > MAX_MANAGEMENT_NODE_ID) {
    throw new RangeError(
      `No management address for node id ${nodeId}: ids 1..${MAX_MANAGEMENT_NODE_ID} fit 10.0.0.0/8`,
    );
  }
  return `10.${nodeId >>> 16}.${(nodeId >>> 8) & 0xff}.${nodeId & 0xff}`;
}
