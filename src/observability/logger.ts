import type { LoggerService } from '@nestjs/common';
import { hostname } from 'node:os';
import pino, { DestinationStream, Logger as PinoLogger } from 'pino';
import type { LogLevel } from '../config/app-config';
import { SecretRedactor } from '../config/redact';
import { currentLogContext } from './log-context';
import { activeTracing } from './tracing';

/** Headers never written, wherever a request or its headers are logged. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
];

export interface RootLoggerOptions {
  level: LogLevel;
  role: string;
  /** Every configured secret: replaced by *** in every line, whoever writes it. */
  redactor: SecretRedactor;
  /** Where lines go; stdout by default. */
  destination?: DestinationStream;
}

/**
 * The process's one pino logger: Nest's messages (through PinoLoggerService), Fastify's request
 * lines and the workers' lines are all JSON lines of this shape:
 * `{"level":"info","time":"2026-...","pid":1,"hostname":"h","role":"api","request_id":"...","msg":"..."}`.
 * `level` is the label, not pino's number. With tracing on, lines written inside a span carry
 * its trace_id and span_id.
 */
export function createRootLogger(options: RootLoggerOptions): PinoLogger {
  const tracing = activeTracing();
  const root = pino(
    {
      level: options.level,
      base: { pid: process.pid, hostname: hostname(), role: options.role },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
      ...(tracing ? { mixin: () => tracing.traceFields() ?? {} } : {}),
      ...(options.redactor.empty
        ? {}
        : { hooks: { streamWrite: (line: string) => options.redactor.redact(line) } }),
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  tracing?.logWarningsTo((message) => root.warn({ context: 'OpenTelemetry' }, message));
  return root;
}

type NestLevel = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
const PINO_LEVEL: Record<NestLevel, pino.Level> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/**
 * Nest's LoggerService on pino: `new Logger('Context').warn(...)` anywhere in the service becomes
 * one JSON line with `context`, and with the request id or the job's queue, name and id when it
 * is written while serving one (AsyncLocalStorage, see log-context.ts).
 */
export class PinoLoggerService implements LoggerService {
  constructor(readonly pino: PinoLogger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(nestLevel: NestLevel, message: unknown, params: unknown[]): void {
    const level = PINO_LEVEL[nestLevel];
    if (!this.pino.isLevelEnabled(level)) return;
    // Nest passes the logger's context last; error() may pass a stack before it.
    const rest = [...params];
    const context =
      rest.length > 0 && typeof rest[rest.length - 1] === 'string'
        ? (rest.pop() as string)
        : undefined;
    const fields: Record<string, unknown> = { ...currentLogContext() };
    if (context) fields.context = context;
    let text: string;
    if (message instanceof Error) {
      fields.err = message;
      text = message.message;
    } else if (typeof message === 'object' && message !== null) {
      Object.assign(fields, message);
      text = typeof fields.msg === 'string' ? fields.msg : '';
      delete fields.msg;
    } else {
      text = String(message);
    }
    const stack = rest.find((p) => typeof p === 'string');
    if (nestLevel === 'error' && stack) fields.stack = stack;
    else if (rest.length > 0) fields.details = rest;
    this.pino[level](fields, text);
  }
}
