import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What every log line written while serving a request or running a job carries: the request's
 * id, or the job's queue, name and id (and the id of the request that enqueued it, when the job
 * says). Kept in AsyncLocalStorage, so a line logged anywhere below the handler, through Nest's
 * Logger, is tagged without passing anything down.
 */
export interface LogContext {
  request_id?: string;
  queue?: string;
  job_name?: string;
  job_id?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` (and everything it starts) with `context` on its log lines. */
export function runWithLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The fields of the request or job being served right now, if any. */
export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}
