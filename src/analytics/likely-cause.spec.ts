import { NodeRole } from '../domain/node-role';
import { causeCandidates, FlaggedNode, likelyCauses } from './likely-cause';

const spine = (nodeId: number, latency: number, centre = 14, triggered = true): FlaggedNode => ({
  nodeId,
  role: NodeRole.SPINE,
  latencyTriggered: triggered,
  latency,
  latencyCentre: centre,
});
const leaf = (
  nodeId: number,
  latency: number,
  centre = 10,
  triggered = true,
  role = NodeRole.LEAF,
): FlaggedNode => ({ nodeId, role, latencyTriggered: triggered, latency, latencyCentre: centre });

/** Every leaf id linked to the given spines (a full mesh). */
const mesh = (leaves: number[], spines: number[]) => new Map(leaves.map((id) => [id, spines]));

describe('likely cause', () => {
  it("explains a leaf whose latency excess is within one spine's share of its uplinks", () => {
    // Spine 2 runs 80 ms over its peers' centre; with 4 uplinks each leaf gets 20 ms of it.
    const flagged = [spine(2, 94), leaf(10, 25), leaf(11, 30), leaf(12, 70)];
    const { causedBy, explains } = likelyCauses(flagged, mesh([10, 11, 12], [1, 2, 3, 4]));
    expect([...causedBy]).toEqual([
      [10, [2]],
      [11, [2]],
    ]);
    expect([...explains]).toEqual([[2, 2]]);
  });

  it('holds at exactly the share and not a hair beyond', () => {
    const flagged = [spine(1, 54), leaf(10, 20), leaf(11, 20 + 1e-9)];
    // (54 − 14) / 4 = 10: leaf 10's excess is exactly 10, leaf 11's just over.
    const { causedBy } = likelyCauses(flagged, mesh([10, 11], [1, 2, 3, 4]));
    expect([...causedBy.keys()]).toEqual([10]);
  });

  it('divides by the uplinks of each leaf, not by the spines of the fabric', () => {
    const flagged = [spine(1, 54), leaf(10, 25), leaf(11, 25)];
    // Leaf 10 has two uplinks (20 ms of the spine's 40), leaf 11 four (10 ms).
    const uplinks = new Map([
      [10, [1, 2]],
      [11, [1, 2, 3, 4]],
    ]);
    expect([...likelyCauses(flagged, uplinks).causedBy.keys()]).toEqual([10]);
  });

  it('lists every spine that explains a leaf on its own, by id', () => {
    const flagged = [spine(3, 94), spine(1, 94), spine(2, 30), leaf(10, 25)];
    const { causedBy, explains } = likelyCauses(flagged, mesh([10], [1, 2, 3, 4]));
    expect(causedBy.get(10)).toEqual([1, 3]);
    expect(explains.get(2)).toBeUndefined();
    expect(explains.get(1)).toBe(1);
  });

  it('needs latency triggered on both, an uplink between them, and a spine', () => {
    const uplinks = mesh([10, 11, 12], [1, 2]);
    // The spine was flagged on errors only.
    expect(likelyCauses([spine(1, 94, 14, false), leaf(10, 20)], uplinks).causedBy.size).toBe(0);
    // The leaf was flagged on throughput only.
    expect(likelyCauses([spine(1, 94), leaf(10, 20, 10, false)], uplinks).causedBy.size).toBe(0);
    // No uplink to that spine.
    expect(likelyCauses([spine(5, 94), leaf(10, 20)], uplinks).causedBy.size).toBe(0);
    // No spine at all, and a leaf without uplinks.
    expect(likelyCauses([leaf(10, 20)], uplinks).causedBy.size).toBe(0);
    expect(likelyCauses([spine(1, 94), leaf(13, 20)], uplinks).causedBy.size).toBe(0);
  });

  it('reads uplinks only for leaves that some spine could explain', () => {
    const flagged = [spine(1, 54), spine(2, 34), leaf(10, 50), leaf(11, 49), leaf(12, 20)];
    // The largest spine excess is 40: leaf 10 (excess 40) could be explained, 11 (39) and 12 too.
    expect(causeCandidates(flagged).leaves.map((l) => l.nodeId)).toEqual([10, 11, 12]);
    expect(causeCandidates([spine(1, 54), leaf(10, 51)]).leaves).toEqual([]);
    expect(causeCandidates([leaf(10, 20)])).toEqual({ spines: [], leaves: [] });
  });

  it('treats border leaves like leaves', () => {
    const flagged = [spine(1, 94), leaf(20, 15, 10, true, NodeRole.BORDER_LEAF)];
    const { causedBy, explains } = likelyCauses(flagged, mesh([20], [1, 2]));
    expect(causedBy.get(20)).toEqual([1]);
    expect(explains.get(1)).toBe(1);
    expect(causeCandidates(flagged).leaves.map((l) => l.nodeId)).toEqual([20]);
  });
});
