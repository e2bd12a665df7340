import { Writable } from 'node:stream';
import { SecretRedactor } from '../config/redact';
import { runWithLogContext } from './log-context';
import { createRootLogger, PinoLoggerService } from './logger';

function capture(level: 'info' | 'debug' = 'info', secrets: string[] = []) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const root = createRootLogger({
    level,
    role: 'api',
    redactor: new SecretRedactor(secrets),
    destination,
  });
  return { lines, root, logger: new PinoLoggerService(root) };
}

describe('PinoLoggerService', () => {
  it("writes Nest's calls as JSON lines with a string level, the context and the message", () => {
    const { lines, logger } = capture();
    logger.log('Started', 'Bootstrap');
    logger.warn('Careful', 'Things');
    logger.debug('hidden at info', 'Things');
    logger.error('Broke', 'Error: Broke\n    at x', 'Filter');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', context: 'Bootstrap', msg: 'Started', role: 'api' }),
      expect.objectContaining({ level: 'warn', context: 'Things', msg: 'Careful' }),
      expect.objectContaining({
        level: 'error',
        context: 'Filter',
        msg: 'Broke',
        stack: 'Error: Broke\n    at x',
      }),
    ]);
    expect(typeof lines[0].time).toBe('string');
  });

  it('adds the request or job fields of the code it runs in', async () => {
    const { lines, logger } = capture();
    await runWithLogContext({ request_id: 'r-1' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      logger.log('in a request', 'Service');
    });
    runWithLogContext({ queue: 'lifecycle', job_name: 'advance-shard', job_id: '7' }, () =>
      logger.warn('in a job', 'Processor'),
    );
    logger.log('outside', 'Service');
    expect(lines[0]).toEqual(expect.objectContaining({ request_id: 'r-1', msg: 'in a request' }));
    expect(lines[1]).toEqual(
      expect.objectContaining({ queue: 'lifecycle', job_name: 'advance-shard', job_id: '7' }),
    );
    expect(lines[2]).not.toHaveProperty('request_id');
    expect(lines[2]).not.toHaveProperty('job_id');
  });

  it('never writes a configured secret or an authorization header', () => {
    const { lines, root, logger } = capture('info', ['s3cr3t-value-123']);
    logger.warn('key s3cr3t-value-123 in a message', 'X');
    root.info(
      { req: { headers: { authorization: 'Bearer abc', 'x-api-key': 'def', host: 'h' } } },
      'request',
    );
    expect(JSON.stringify(lines)).not.toContain('s3cr3t-value-123');
    expect(lines[0].msg).toBe('key *** in a message');
    expect(lines[1].req).toEqual({
      headers: { authorization: '[Redacted]', 'x-api-key': '[Redacted]', host: 'h' },
    });
  });
});
