import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** The Alertmanager-shaped body a webhook receiver gets. */
export interface WebhookPayload {
  version: string;
  status: string;
  receiver: string;
  alerts: {
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    fingerprint: string;
  }[];
}

export interface Received {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: unknown;
  answered: number;
}

/**
 * A real HTTP receiver on 127.0.0.1: records every request and answers each path from its
 * plan (status codes used in order, then 200).
 */
export class ReceiverServer {
  readonly received: Received[] = [];
  private readonly plans = new Map<string, number[]>();
  private readonly holds = new Map<string, number>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const path = req.url ?? '';
        const status = this.plans.get(path)?.shift() ?? 200;
        let body: unknown;
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
        this.received.push({
          at: Date.now(),
          path,
          headers: req.headers,
          raw,
          body,
          answered: status,
        });
        const hold = this.holds.get(path) ?? 0;
        this.holds.delete(path);
        setTimeout(() => {
          if (res.destroyed) return;
          res.writeHead(status, { 'content-type': 'text/plain' });
          res.end(status === 200 ? 'ok' : 'not now');
        }, hold);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  plan(path: string, statuses: number[]): void {
    this.plans.set(path, [...statuses]);
  }

  /** The next request to `path` is answered only after `ms`. */
  hold(path: string, ms: number): void {
    this.holds.set(path, ms);
  }

  on(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** What a receiver does with X-Netorch-Signature. */
export function signatureVerifies(secret: string, r: Received): boolean {
  const ts = String(r.headers['x-netorch-timestamp']);
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(`${ts}.${r.raw}`).digest('hex')}`,
  );
  const given = Buffer.from(String(r.headers['x-netorch-signature'] ?? ''));
  return expected.length === given.length && timingSafeEqual(expected, given);
}
