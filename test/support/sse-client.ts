import { request as httpRequest, IncomingMessage } from 'node:http';

export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** A minimal EventSource for tests: collects parsed messages until closed or ended by the server. */
export class SseClient {
  readonly messages: SseMessage[] = [];
  status = 0;
  ended = false;
  /** Everything the server sent, as text (the JSON body of a refusal). */
  raw = '';
  private response?: IncomingMessage;
  private destroy?: () => void;

  static open(
    url: string,
    headers: Record<string, string> = {},
    options: { localAddress?: string } = {},
  ): Promise<SseClient> {
    const client = new SseClient();
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        url,
        { headers: { accept: 'text/event-stream', ...headers }, ...options },
        (res) => {
          client.status = res.statusCode ?? 0;
          client.response = res;
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            client.raw += chunk;
            buffer += chunk;
            let cut: number;
            while ((cut = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, cut);
              buffer = buffer.slice(cut + 2);
              const message: SseMessage = { data: '' };
              const data: string[] = [];
              for (const line of block.split('\n')) {
                if (line.startsWith(':')) continue;
                const colon = line.indexOf(':');
                const field = colon < 0 ? line : line.slice(0, colon);
                const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
                if (field === 'id') message.id = value;
                else if (field === 'event') message.event = value;
                else if (field === 'data') data.push(value);
              }
              if (data.length > 0) {
                message.data = data.join('\n');
                client.messages.push(message);
              }
            }
          });
          res.on('end', () => (client.ended = true));
          res.on('error', () => (client.ended = true));
          resolve(client);
        },
      );
      req.on('error', reject);
      req.end();
      client.destroy = () => req.destroy();
    });
  }

  headers() {
    return this.response?.headers ?? {};
  }

  /** Event payloads (messages without an `event:` name), parsed. */
  events<T = Record<string, unknown>>(): T[] {
    return this.messages.filter((m) => m.event === undefined).map((m) => JSON.parse(m.data) as T);
  }

  close(): void {
    this.destroy?.();
  }
}
