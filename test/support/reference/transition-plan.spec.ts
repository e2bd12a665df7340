import { NodeState } from '../../../src/domain/node-state';
import { managementAddress } from './management-address';
import { failsConfiguration, stepDurationMs } from './node-timing';
import { ClaimedNode, planTransitions } from './transition-plan';

const sim = { timeScale: 1, failureRate: 0.05 };
const node = (state: NodeState, id = 7, attempt = 0): ClaimedNode => ({
  id,
  seq: id,
  state,
  attempt,
  dueAtMs: 1_000,
});

describe('planTransitions', () => {
  it('admits a PENDING node into PROVISIONING with its address and provisioning time', () => {
    const [t] = planTransitions([node(NodeState.PENDING)], sim);
    expect(t).toMatchObject({
      from: NodeState.PENDING,
      to: NodeState.PROVISIONING,
      reason: 'scheduled',
      ipAddress: managementAddress(7),
      durationMs: stepDurationMs(NodeState.PROVISIONING, 7, 0, 1),
      dueAtMs: 1_000,
    });
  });

  it('moves PROVISIONING to CONFIGURING for the configuring time, keeping the address', () => {
    const [t] = planTransitions([node(NodeState.PROVISIONING)], sim);
    expect(t).toMatchObject({
      to: NodeState.CONFIGURING,
      reason: 'provisioned',
      ipAddress: null,
      durationMs: stepDurationMs(NodeState.CONFIGURING, 7, 0, 1),
    });
  });

  it('ends CONFIGURING in RUNNING or FAILED as the failure model says, with no next step', () => {
    const ids = Array.from({ length: 400 }, (_, i) => i + 1);
    const plan = planTransitions(
      ids.map((id) => node(NodeState.CONFIGURING, id)),
      sim,
    );
    for (const t of plan) {
      const fails = failsConfiguration(t.id, 0, sim.failureRate);
      expect(t.to).toBe(fails ? NodeState.FAILED : NodeState.RUNNING);
      expect(t.reason).toBe(fails ? 'configuration failed' : 'configured');
      expect(t.durationMs).toBeNull();
    }
    expect(plan.some((t) => t.to === NodeState.FAILED)).toBe(true);
  });

  it('treats a due FAILED node as a retry: back to PROVISIONING with timings of the new attempt', () => {
    const [t] = planTransitions([node(NodeState.FAILED, 9, 2)], sim);
    expect(t).toMatchObject({
      from: NodeState.FAILED,
      to: NodeState.PROVISIONING,
      reason: 'retry',
      attempt: 2,
      ipAddress: managementAddress(9),
      durationMs: stepDurationMs(NodeState.PROVISIONING, 9, 2, 1),
    });
  });

  it('refuses a RUNNING node: nothing is scheduled for it', () => {
    expect(() => planTransitions([node(NodeState.RUNNING)], sim)).toThrow(RangeError);
  });

  it('is deterministic and scales durations, 0 meaning no delay', () => {
    const nodes = [node(NodeState.PENDING, 3), node(NodeState.PROVISIONING, 4)];
    expect(planTransitions(nodes, sim)).toEqual(planTransitions(nodes, sim));
    const instant = planTransitions(nodes, { timeScale: 0, failureRate: 0.05 });
    expect(instant.map((t) => t.durationMs)).toEqual([0, 0]);
  });
});
