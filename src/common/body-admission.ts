import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, preParsingHookHandler } from 'fastify';
import { errorBody } from './http-exception.filter';

/** At most this much of an oversized body is read and thrown away before the 413 goes out. */
export const OVERSIZED_DRAIN_BYTES = 64 * 1024 * 1024;
/** ... and for at most this long. */
export const OVERSIZED_DRAIN_MS = 10_000;

/**
 * How a request's body is let in, decided from its headers once the key check has passed:
 *
 * - `Expect: 100-continue` gets `100 Continue` only here, so a request the headers already
 *   refuse (401/403 from the key check, 413 from its Content-Length, 429) is answered with the
 *   refusal and its body is never sent. Node would otherwise send 100 Continue before any hook.
 * - A Content-Length over the route's limit is answered 413 after the body has been read and
 *   thrown away (up to OVERSIZED_DRAIN_BYTES / OVERSIZED_DRAIN_MS): a server that answers and
 *   closes while the client is still sending makes most clients (Node's fetch, Python's
 *   requests) report a broken pipe instead of the answer.
 */
export function registerBodyAdmission(fastify: FastifyInstance, defaultLimit: number): void {
  fastify.server.on('checkContinue', (request, response) => {
    fastify.server.emit('request', request, response);
  });
  const admit: preParsingHookHandler = (request, reply, payload, done) => {
    const expects = /^100-continue$/i.test(String(request.headers.expect ?? '').trim());
    const length = Number(request.headers['content-length']);
    const limit = request.routeOptions.bodyLimit ?? defaultLimit;
    if (!(length > limit)) {
      if (expects) reply.raw.writeContinue();
      return done(null, payload);
    }
    const refuse = () =>
      void reply
        .code(413)
        .header('connection', 'close')
        .send(
          errorBody(
            413,
            `The request body (Content-Length ${length}) is larger than this route accepts (${limit} bytes)`,
          ),
        );
    // A client that asked first has not sent the body: answer at once.
    if (expects) return refuse();
    void drain(request.raw).then(refuse);
  };
  fastify.addHook('preParsing', admit);
}

/** Reads and discards the body until it ends, the byte budget is spent or time runs out. */
function drain(raw: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    let read = 0;
    const finish = () => {
      clearTimeout(timer);
      raw.off('data', onData);
      raw.off('end', finish);
      raw.off('error', finish);
      raw.off('close', finish);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read >= OVERSIZED_DRAIN_BYTES) finish();
    };
    const timer = setTimeout(finish, OVERSIZED_DRAIN_MS);
    raw.on('data', onData);
    raw.once('end', finish);
    raw.once('error', finish);
    raw.once('close', finish);
  });
}
