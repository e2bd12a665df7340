import { deploymentStatus, DeploymentStatus, progressPercent } from './deployment-status';
import { stateCounts } from './node-state';
import { RolloutStatus } from './rollout';

const counts = stateCounts;

describe('deploymentStatus', () => {
  it('follows the node counts without a rollout', () => {
    expect(deploymentStatus(counts({}))).toBe(DeploymentStatus.EMPTY);
    expect(deploymentStatus(counts({ PENDING: 3 }))).toBe(DeploymentStatus.PENDING);
    expect(deploymentStatus(counts({ PENDING: 1, RUNNING: 2 }))).toBe(DeploymentStatus.IN_PROGRESS);
    expect(deploymentStatus(counts({ RUNNING: 3 }))).toBe(DeploymentStatus.RUNNING);
    expect(deploymentStatus(counts({ RUNNING: 2, FAILED: 1 }))).toBe(DeploymentStatus.DEGRADED);
    expect(deploymentStatus(counts({ FAILED: 3 }))).toBe(DeploymentStatus.FAILED);
  });

  it.each([
    [RolloutStatus.PAUSED, DeploymentStatus.PAUSED],
    [RolloutStatus.HALTED, DeploymentStatus.HALTED],
    [RolloutStatus.ABORTED, DeploymentStatus.ABORTED],
  ])('shows a %s rollout while nodes wait PENDING', (rollout, status) => {
    expect(deploymentStatus(counts({ PENDING: 5, RUNNING: 2, FAILED: 1 }), rollout)).toBe(status);
    // Paused before any node started, and with nodes still in flight.
    expect(deploymentStatus(counts({ PENDING: 5 }), rollout)).toBe(status);
    expect(deploymentStatus(counts({ PENDING: 1, PROVISIONING: 2 }), rollout)).toBe(status);
  });

  it('goes back to the counts once no node waits PENDING', () => {
    expect(deploymentStatus(counts({ PROVISIONING: 2, RUNNING: 1 }), RolloutStatus.HALTED)).toBe(
      DeploymentStatus.IN_PROGRESS,
    );
    expect(deploymentStatus(counts({ RUNNING: 2, FAILED: 1 }), RolloutStatus.ABORTED)).toBe(
      DeploymentStatus.DEGRADED,
    );
    expect(deploymentStatus(counts({ RUNNING: 3 }), RolloutStatus.PAUSED)).toBe(
      DeploymentStatus.RUNNING,
    );
  });

  it('is the counts for a running or completed rollout', () => {
    expect(deploymentStatus(counts({ PENDING: 4, RUNNING: 1 }), RolloutStatus.RUNNING)).toBe(
      DeploymentStatus.IN_PROGRESS,
    );
    expect(deploymentStatus(counts({ RUNNING: 5 }), RolloutStatus.COMPLETED)).toBe(
      DeploymentStatus.RUNNING,
    );
  });
});

describe('progressPercent', () => {
  it('counts terminal nodes, whatever the rollout', () => {
    expect(progressPercent(counts({ PENDING: 2, RUNNING: 1, FAILED: 1 }))).toBe(50);
    expect(progressPercent(counts({}))).toBe(0);
  });
});
