import {
  interfaceName,
  LEAF_UPLINK_FIRST_PORT,
  planFabric,
  PlannedLink,
  planGrowth,
  roleHostname,
} from './fabric-topology';
import { NodeRole } from './node-role';

/** Every (node, port) pair at most once, and every leaf-spine pair at most once. */
function expectUniquePorts(links: PlannedLink[]) {
  const spinePorts = new Set(links.map((l) => `${l.spineSeq}:${l.spinePort}`));
  const leafPorts = new Set(links.map((l) => `${l.leafSeq}:${l.leafPort}`));
  const pairs = new Set(links.map((l) => `${l.spineSeq}-${l.leafSeq}`));
  expect(spinePorts.size).toBe(links.length);
  expect(leafPorts.size).toBe(links.length);
  expect(pairs.size).toBe(links.length);
}

describe('topology builder', () => {
  it('numbers spines, then border leaves, then leaves, with role host names', () => {
    const plan = planFabric({ spines: 4, leaves: 28, borderLeaves: 2 });
    expect(plan.nodes.map((n) => [n.role, n.fromSeq, n.toSeq])).toEqual([
      [NodeRole.SPINE, 1, 4],
      [NodeRole.BORDER_LEAF, 5, 6],
      [NodeRole.LEAF, 7, 34],
    ]);
    expect(plan.nodes[0].hostnames).toEqual(['spine-01', 'spine-02', 'spine-03', 'spine-04']);
    expect(plan.nodes[1].hostnames).toEqual(['border-leaf-01', 'border-leaf-02']);
    expect(plan.nodes[2].hostnames[0]).toBe('leaf-001');
    expect(plan.nodes[2].hostnames[27]).toBe('leaf-028');
  });

  it('links every leaf and border leaf to every spine, on unique ports', () => {
    const plan = planFabric({ spines: 4, leaves: 28, borderLeaves: 2 });
    expect(plan.links).toHaveLength(4 * 30);
    expectUniquePorts(plan.links);
    for (let leaf = 5; leaf <= 34; leaf++) {
      const uplinks = plan.links.filter((l) => l.leafSeq === leaf);
      expect(uplinks.map((l) => l.spineSeq)).toEqual([1, 2, 3, 4]);
      expect(uplinks.map((l) => l.leafPort)).toEqual([49, 50, 51, 52]);
      // The k-th leaf or border leaf is port k on every spine.
      expect(new Set(uplinks.map((l) => l.spinePort))).toEqual(new Set([leaf - 4]));
    }
    for (let spine = 1; spine <= 4; spine++) {
      const ports = plan.links.filter((l) => l.spineSeq === spine).map((l) => l.spinePort);
      expect(ports).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    }
  });

  it('builds a fabric without border leaves, and one spine', () => {
    const plan = planFabric({ spines: 1, leaves: 3, borderLeaves: 0 });
    expect(plan.nodes.map((n) => n.role)).toEqual([NodeRole.SPINE, NodeRole.LEAF]);
    expect(plan.links).toEqual([
      { spineSeq: 1, spinePort: 1, leafSeq: 2, leafPort: LEAF_UPLINK_FIRST_PORT },
      { spineSeq: 1, spinePort: 2, leafSeq: 3, leafPort: LEAF_UPLINK_FIRST_PORT },
      { spineSeq: 1, spinePort: 3, leafSeq: 4, leafPort: LEAF_UPLINK_FIRST_PORT },
    ]);
  });

  it('adds leaves on each spine`s next free ports and spines on each leaf`s', () => {
    const base = planFabric({ spines: 2, leaves: 3, borderLeaves: 0 });
    // Two leaves after node-005; the spines' ports 1-3 are taken.
    const leaves = planGrowth(NodeRole.LEAF, 2, 5, 4, [
      { seq: 1, nextPort: 4 },
      { seq: 2, nextPort: 4 },
    ]);
    expect(leaves.nodes).toEqual([
      { role: NodeRole.LEAF, fromSeq: 6, toSeq: 7, hostnames: ['leaf-004', 'leaf-005'] },
    ]);
    expect(leaves.links).toEqual([
      { spineSeq: 1, spinePort: 4, leafSeq: 6, leafPort: 49 },
      { spineSeq: 2, spinePort: 4, leafSeq: 6, leafPort: 50 },
      { spineSeq: 1, spinePort: 5, leafSeq: 7, leafPort: 49 },
      { spineSeq: 2, spinePort: 5, leafSeq: 7, leafPort: 50 },
    ]);
    // A spine after node-007: every leaf's uplinks 49-50 are taken.
    const leafPeers = [3, 4, 5, 6, 7].map((seq) => ({ seq, nextPort: 51 }));
    const spine = planGrowth(NodeRole.SPINE, 1, 7, 3, leafPeers);
    expect(spine.nodes[0].hostnames).toEqual(['spine-03']);
    expect(spine.links.map((l) => [l.spinePort, l.leafSeq, l.leafPort])).toEqual([
      [1, 3, 51],
      [2, 4, 51],
      [3, 5, 51],
      [4, 6, 51],
      [5, 7, 51],
    ]);
    expectUniquePorts([...base.links, ...leaves.links, ...spine.links]);
  });

  it('adds leaves without links where there is no spine', () => {
    expect(planGrowth(NodeRole.LEAF, 3, 0, 1, []).links).toEqual([]);
    expect(() => planGrowth(NodeRole.LEAF, 0, 0, 1, [])).toThrow(RangeError);
  });

  it('names interfaces and host names past their padding', () => {
    expect(interfaceName(49)).toBe('Ethernet1/49');
    expect(roleHostname(NodeRole.SPINE, 7)).toBe('spine-07');
    expect(roleHostname(NodeRole.SPINE, 123)).toBe('spine-123');
    expect(roleHostname(NodeRole.LEAF, 1234)).toBe('leaf-1234');
    expect(roleHostname(NodeRole.BORDER_LEAF, 3)).toBe('border-leaf-03');
  });
});
