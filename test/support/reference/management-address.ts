import { MAX_MANAGEMENT_NODE_ID } from '../../../src/simulation/lifecycle-model';

export { MAX_MANAGEMENT_NODE_ID };

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
