import { DeploymentStatus } from '../domain/deployment-status';
import { stateCounts } from '../domain/node-state';
import { fleetTotals } from './backend-snapshot';

const counts = stateCounts;

describe('fleetTotals', () => {
  it('sums nodes, classifies deployments and counts those with a node not FAILED', () => {
    const totals = fleetTotals([
      { id: 1, counts: counts({ RUNNING: 3 }) },
      { id: 2, counts: counts({ FAILED: 2 }) },
      { id: 3, counts: counts({ PENDING: 1, FAILED: 1 }) },
      { id: 4, counts: counts({}) },
    ]);
    expect(totals.nodes).toEqual(counts({ RUNNING: 3, FAILED: 3, PENDING: 1 }));
    expect(totals.deployments).toBe(4);
    expect(totals.active).toBe(2);
    expect(totals.byStatus).toMatchObject({
      [DeploymentStatus.RUNNING]: 1,
      [DeploymentStatus.FAILED]: 1,
      [DeploymentStatus.IN_PROGRESS]: 1,
      [DeploymentStatus.EMPTY]: 1,
      [DeploymentStatus.PENDING]: 0,
    });
  });

  it('gives zero everywhere for no deployments', () => {
    expect(fleetTotals([])).toMatchObject({ deployments: 0, active: 0, nodes: counts({}) });
  });
});
