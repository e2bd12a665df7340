import { createConnection, createServer, Server, Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Stops listening and cuts every connection, as a lost network would. */
  close: () => Promise<void>;
  /** Listens again on the same port. */
  reopen: () => Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 in front of `target` (a shared PostgreSQL or Redis), so a test can
 * take the backend away from the service without stopping the real server.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = createConnection(target);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.once('close', () => sockets.delete(socket));
          // Either side failing ends both; errors are expected when the proxy is closed.
          socket.on('error', () => (socket === client ? upstream : client).destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    reopen: listen,
  };
}
