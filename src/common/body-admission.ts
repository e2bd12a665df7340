import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, preParsingHookHandler } from 'fastify';
import { errorBody } from './http-exception.filter';

/** At most this much of an oversized body is read and thrown away; past it the connection goes. */
export const OVERSIZED_DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * How a request's body is let in, decided from its headers once the key check has passed:
 *
 * - `Expect: 100-continue` gets `100 Continue` only here, so a request the headers already
 *   refuse (401/403 from the key check, 413 from its Content-Length, 429) is answered with the
 *   refusal and its body is never sent. Node would otherwise send 100 Continue before any hook.
 * - A Content-Length over the route's limit is answered 413 at once, and the connection stays
 *   open while the rest of the body is read and thrown away (up to OVERSIZED_DRAIN_BYTES): a
 *   server that answers and closes while the client is still sending makes most clients (Node's
 *   fetch, Python's requests) report a broken pipe instead of the answer.
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
    // The client that asked first has not sent the body; the others' is read and dropped.
    if (!expects) discard(request.raw);
    void reply
      .code(413)
      .send(
        errorBody(
          413,
          `Request body is too large: Content-Length ${length}, this route accepts at most ${limit} bytes`,
        ),
      );
  };
  fastify.addHook('preParsing', admit);
}

/** Reads and throws away the body; a client that sends more than the budget is cut off. */
function discard(raw: IncomingMessage): void {
  let read = 0;
  raw.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > OVERSIZED_DRAIN_BYTES) raw.socket.destroy();
  });
}
