/**
 * The likely-cause rule, pure: which flagged spines explain which flagged leaves.
 *
 * A slow spine slows the leaves whose traffic it carries by its share of their uplinks. So a
 * flagged spine S explains a flagged leaf (or border leaf) L when all of these hold:
 * - both were flagged with latency triggered (latency is what a spine passes on);
 * - L has an uplink to S;
 * - S's share of its own latency excess covers L's whole latency excess:
 *   (latency(S) − centre(S)) / U(L) >= latency(L) − centre(L),
 *   where latency is the node's mean over the window, centre the latency baseline of the node's
 *   peer group (its role, or the whole deployment) and U(L) the number of L's uplinks.
 * L then carries `likely_caused_by` (every such spine, by id) and each spine `explains` (how many
 * leaves list it). A leaf slowed beyond any one spine's share has a problem of its own.
 */
import { NodeRole } from '../domain/node-role';

/** A flagged node as the rule sees it: its latency mean and its peer group's centre. */
export interface FlaggedNode {
  nodeId: number;
  role: NodeRole;
  latencyTriggered: boolean;
  latency: number;
  latencyCentre: number;
}

export interface LikelyCauses {
  /** Leaf or border leaf id -> the spines that explain it, by id. */
  causedBy: Map<number, number[]>;
  /** Spine id -> how many leaves it explains. */
  explains: Map<number, number>;
}

/**
 * The flagged spines that may explain a leaf (latency triggered) and the flagged leaves and
 * border leaves they may explain: latency triggered, and an excess no larger than the largest
 * spine excess (a leaf has at least one uplink, so no share is larger). Only these need their
 * uplinks read.
 */
export function causeCandidates(flagged: readonly FlaggedNode[]): {
  spines: FlaggedNode[];
  leaves: FlaggedNode[];
} {
  const triggered = flagged.filter((f) => f.latencyTriggered);
  const spines = triggered.filter((f) => f.role === NodeRole.SPINE);
  const largest = Math.max(-Infinity, ...spines.map((s) => s.latency - s.latencyCentre));
  return {
    spines,
    leaves: triggered.filter(
      (f) => f.role !== NodeRole.SPINE && f.latency - f.latencyCentre <= largest,
    ),
  };
}

/** Applies the rule; `uplinks` holds the spine ids each candidate leaf has an uplink to. */
export function likelyCauses(
  flagged: readonly FlaggedNode[],
  uplinks: ReadonlyMap<number, readonly number[]>,
): LikelyCauses {
  const causedBy = new Map<number, number[]>();
  const explains = new Map<number, number>();
  const { spines, leaves } = causeCandidates(flagged);
  if (spines.length === 0) return { causedBy, explains };
  for (const leaf of leaves) {
    const spinesOfLeaf = uplinks.get(leaf.nodeId) ?? [];
    if (spinesOfLeaf.length === 0) continue;
    const linked = new Set(spinesOfLeaf);
    const excess = leaf.latency - leaf.latencyCentre;
    const causes = spines
      .filter(
        (s) =>
          linked.has(s.nodeId) && (s.latency - s.latencyCentre) / spinesOfLeaf.length >= excess,
      )
      .map((s) => s.nodeId)
      .sort((a, b) => a - b);
    if (causes.length === 0) continue;
    causedBy.set(leaf.nodeId, causes);
    for (const id of causes) explains.set(id, (explains.get(id) ?? 0) + 1);
  }
  return { causedBy, explains };
}
