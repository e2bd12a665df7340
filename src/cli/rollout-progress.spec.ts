import type { Schema } from '../client/netorch-client';
import { rolloutProgress } from './rollout-progress';

type Detail = Schema<'DeploymentDetailResponse'>;

function detail(over: Partial<Detail>, counts: Partial<Detail['state_counts']> = {}): Detail {
  return {
    id: 4,
    name: 'hall-a',
    description: null,
    target_node_count: 40,
    created_at: '',
    updated_at: '',
    current_node_count: 40,
    state_counts: { PENDING: 0, PROVISIONING: 0, CONFIGURING: 0, RUNNING: 0, FAILED: 0, ...counts },
    status: 'in_progress',
    progress_percent: 0,
    started_at: null,
    finished_at: null,
    rollout: null,
    ...over,
  } as Detail;
}

const rollout = (over: Record<string, unknown>) =>
  ({
    status: 'running',
    wave: 0,
    waves_total: 5,
    admitted: 2,
    failed_percent: 0,
    halted_reason: null,
    strategy: { canary: 2, wave_size: 10 },
    ...over,
  }) as unknown as Detail['rollout'];

describe('rolloutProgress', () => {
  it('counts done, in flight and failed nodes and names the canary wave', () => {
    const p = rolloutProgress(
      detail(
        { rollout: rollout({}) },
        { PENDING: 37, PROVISIONING: 1, CONFIGURING: 1, RUNNING: 1 },
      ),
    );
    expect(p).toMatchObject({
      total: 40,
      done: 1,
      admitted: 2,
      inFlight: 2,
      failed: 0,
      wave: 'canary (wave 1 of 5)',
      outcome: null,
    });
  });

  it('numbers later waves from one', () => {
    expect(rolloutProgress(detail({ rollout: rollout({ wave: 3 }) })).wave).toBe('wave 4 of 5');
  });

  it('ends completed, halted (with the reason) or aborted with the rollout', () => {
    const done = detail({ rollout: rollout({ status: 'completed', wave: 4 }) }, { RUNNING: 40 });
    expect(rolloutProgress(done).outcome).toBe('completed');
    const halted = rolloutProgress(
      detail(
        { rollout: rollout({ status: 'halted', halted_reason: 'failure budget: 3 of 12' }) },
        { RUNNING: 9, FAILED: 3, PENDING: 28 },
      ),
    );
    expect(halted.outcome).toBe('halted');
    expect(halted.summary).toBe(
      'hall-a (4): rollout halted, 9 RUNNING, 3 FAILED of 40; failure budget: 3 of 12',
    );
    expect(rolloutProgress(detail({ rollout: rollout({ status: 'aborted' }) })).outcome).toBe(
      'aborted',
    );
    expect(rolloutProgress(detail({ rollout: rollout({ status: 'paused' }) })).outcome).toBeNull();
  });

  it('without a strategy follows the deployment: running completes, any FAILED node fails', () => {
    expect(rolloutProgress(detail({ status: 'running' }, { RUNNING: 40 })).outcome).toBe(
      'completed',
    );
    const degraded = rolloutProgress(detail({ status: 'degraded' }, { RUNNING: 39, FAILED: 1 }));
    expect(degraded).toMatchObject({ outcome: 'failed', wave: 'no strategy', admitted: 40 });
  });
});
