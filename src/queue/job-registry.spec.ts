import { Job, UnrecoverableError } from 'bullmq';
import { JobRegistry } from './job-registry';
import { JobName, QueueName } from './jobs';

const done = async () => 'done';

function complete(): JobRegistry {
  const registry = new JobRegistry();
  registry.register('Lifecycle', QueueName.LIFECYCLE, {
    [JobName.ADVANCE_SHARD]: async (payload) => payload.shard,
    [JobName.RECONCILE_LIFECYCLE]: done,
  });
  registry.register('Telemetry', QueueName.TELEMETRY, {
    [JobName.TELEMETRY_TICK]: done,
    [JobName.COLLECT_TELEMETRY_SHARD]: done,
  });
  registry.register('Alerting', QueueName.ALERTING, {
    [JobName.EVALUATE_ALERTS]: done,
    [JobName.RUN_ALERT_OUTBOX]: done,
    [JobName.PRUNE_ALERTS]: done,
  });
  registry.register('Drivers', QueueName.DRIVERS, {
    [JobName.RUN_DRIVER]: done,
    [JobName.CANCEL_DRIVER_RUN]: done,
    [JobName.SWEEP_DRIVER_RUNS]: done,
  });
  registry.register('Deliveries', QueueName.DELIVERIES, {
    [JobName.DELIVER_NOTIFICATION]: done,
  });
  return registry;
}

function withMaintenance(registry: JobRegistry, owner = 'Maintenance'): JobRegistry {
  if (owner === 'Maintenance') {
    registry.register('Rollouts', QueueName.ROLLOUTS, {
      [JobName.CHECK_ROLLOUT]: done,
      [JobName.RECONCILE_ROLLOUTS]: done,
    });
  }
  registry.register(owner, QueueName.MAINTENANCE, {
    [JobName.MAINTAIN_PARTITIONS]: done,
    [JobName.FOLD_PREFIX_SUMS]: done,
    [JobName.PRUNE_EVENTS]: done,
  });
  return registry;
}

const job = (name: string, data: unknown) => ({ name, data }) as Job;

describe('JobRegistry', () => {
  it('accepts exactly one handler per job on its own queue', () => {
    expect(() => withMaintenance(complete()).verify()).not.toThrow();
  });

  it('names a job nobody handles', () => {
    expect(() => complete().verify()).toThrow(
      'maintain-partitions has no handler; fold-prefix-sums has no handler',
    );
  });

  it('names a job two processors handle', () => {
    const registry = withMaintenance(withMaintenance(complete()), 'Extra');
    expect(() => registry.verify()).toThrow(
      'maintain-partitions has 2 handlers (Maintenance, Extra)',
    );
  });

  it('names a handler on the wrong queue', () => {
    const registry = withMaintenance(complete());
    // A registration the types refuse, as a plain JavaScript caller could still make it.
    registry.register('Stray', QueueName.TELEMETRY, {
      [JobName.FOLD_PREFIX_SUMS]: done,
    } as never);
    expect(() => registry.verify()).toThrow(
      'fold-prefix-sums travels on maintenance but Stray listens on telemetry',
    );
  });

  it('runs a job with a valid payload', async () => {
    const registry = withMaintenance(complete());
    await expect(
      registry.dispatch(QueueName.LIFECYCLE, job('advance-shard', { deploymentId: 3, shard: 2 })),
    ).resolves.toBe(2);
  });

  it.each([
    [{ deploymentId: 0, shard: 0 }, 'deploymentId must be a positive integer'],
    [{ deploymentId: 1, shard: -1 }, 'shard must be an integer >= 0'],
    [{ deploymentId: 1, shard: 0, requestId: 7 }, 'requestId must be a string'],
    [null, 'the payload must be an object'],
    ['1', 'the payload must be an object'],
  ])('fails a malformed advance-shard payload %j at once', async (data, why) => {
    const registry = withMaintenance(complete());
    const run = registry.dispatch(QueueName.LIFECYCLE, job('advance-shard', data));
    await expect(run).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(run).rejects.toThrow(why);
  });

  it('fails a collect shard without its tick time', async () => {
    const registry = withMaintenance(complete());
    await expect(
      registry.dispatch(
        QueueName.TELEMETRY,
        job('collect-telemetry-shard', { deploymentId: 1, shard: 0 }),
      ),
    ).rejects.toThrow('tickAt must be epoch milliseconds');
  });

  it('fails a job its queue does not carry', async () => {
    const registry = withMaintenance(complete());
    const run = registry.dispatch(QueueName.LIFECYCLE, job('fold-prefix-sums', {}));
    await expect(run).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(run).rejects.toThrow(
      'The lifecycle queue has no handler for job fold-prefix-sums',
    );
  });
});
