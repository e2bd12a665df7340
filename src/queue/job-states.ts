/** BullMQ job states, as the health report and the metrics count them per queue. */
export const QUEUE_JOB_STATES = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'failed',
  'completed',
] as const;
