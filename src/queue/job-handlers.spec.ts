import { checkJobHandlers, JobHandlers } from './job-handlers';
import { JobName, QueueName } from './jobs';

const complete: JobHandlers[] = [
  {
    processor: 'Lifecycle',
    queue: QueueName.LIFECYCLE,
    jobs: [JobName.ADVANCE_SHARD, JobName.RECONCILE_LIFECYCLE],
  },
  {
    processor: 'Telemetry',
    queue: QueueName.TELEMETRY,
    jobs: [JobName.TELEMETRY_TICK, JobName.COLLECT_TELEMETRY_SHARD],
  },
  {
    processor: 'Maintenance',
    queue: QueueName.MAINTENANCE,
    jobs: [JobName.MAINTAIN_PARTITIONS, JobName.FOLD_PREFIX_SUMS],
  },
];

describe('checkJobHandlers', () => {
  it('accepts exactly one processor per job on its own queue', () => {
    expect(() => checkJobHandlers(complete)).not.toThrow();
  });

  it('names a job nobody processes', () => {
    expect(() => checkJobHandlers(complete.slice(0, 2))).toThrow(
      'maintain-partitions has no processor',
    );
  });

  it('names a job two processors take', () => {
    const twice = [
      ...complete,
      { processor: 'Extra', queue: QueueName.LIFECYCLE, jobs: [JobName.ADVANCE_SHARD] },
    ];
    expect(() => checkJobHandlers(twice)).toThrow(
      'advance-shard has 2 processors (Lifecycle, Extra)',
    );
  });

  it('names a processor on the wrong queue', () => {
    const wrong = complete.map((h) =>
      h.processor === 'Maintenance' ? { ...h, queue: QueueName.TELEMETRY } : h,
    );
    expect(() => checkJobHandlers(wrong)).toThrow(
      'maintain-partitions travels on maintenance but Maintenance listens on telemetry',
    );
  });
});
