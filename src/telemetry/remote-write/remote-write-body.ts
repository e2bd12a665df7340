import type { FastifyInstance } from 'fastify';

/** The body type of remote write 1.0; remote write 2.0 adds `;proto=io.prometheus.write.v2.Request`. */
export const REMOTE_WRITE_CONTENT_TYPE = 'application/x-protobuf';

/** The remote-write route, as Fastify names it; it takes the 8 MiB body limit. */
export const REMOTE_WRITE_ROUTE = {
  method: 'POST',
  url: '/deployments/:id/telemetry/remote-write',
};

/**
 * Lets protobuf bodies in as raw bytes (a Buffer) for the remote-write route to decode; remote
 * write 2.0 (another `proto` parameter) stays out and gets 415, on which senders fall back to
 * 1.0. Body limits and the key check still run before it: the parser sees only admitted bodies.
 */
export function registerRemoteWriteBody(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(
    /^application\/x-protobuf\s*(;\s*proto=prometheus\.WriteRequest\s*)?$/i,
    { parseAs: 'buffer' },
    (_request, body, done) => done(null, body),
  );
}
