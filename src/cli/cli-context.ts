import type { Command } from 'commander';
import { createNetorchClient, type NetorchClient } from '../client/netorch-client';
import { CliError, EXIT } from './cli-error';
import type { OutputFormat } from './output.formatter';

interface GlobalOptions {
  url: string;
  apiKey?: string;
  output: OutputFormat;
}

interface ApiResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function networkCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/**
 * openapi.json types some numbers as an empty object (query numbers with a default, and
 * description/max_parallel of a new deployment); the API takes the plain value.
 */
export function loose(value: number | string | undefined): Record<string, never> {
  return value as unknown as Record<string, never>;
}

/** What every command needs: the configured client, the output format, API error handling. */
export class CliContext {
  private constructor(
    readonly client: NetorchClient,
    readonly output: OutputFormat,
    readonly baseUrl: string,
    /** Kept private and never printed: the X-API-Key header value. */
    private readonly apiKey: string | undefined,
  ) {}

  static of(command: Command): CliContext {
    const options = command.optsWithGlobals<GlobalOptions>();
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new CliError(`--url / NETORCH_URL is not a URL: "${options.url}"`, EXIT.usage);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new CliError(
        `--url / NETORCH_URL must be http or https, got ${url.protocol}`,
        EXIT.usage,
      );
    }
    const apiKey = options.apiKey || undefined;
    const baseUrl = url.toString().replace(/\/+$/, '');
    return new CliContext(
      createNetorchClient({ baseUrl, apiKey }),
      options.output,
      baseUrl,
      apiKey,
    );
  }

  /** Headers for requests made outside the typed client (the event stream). */
  authHeaders(): Record<string, string> {
    return this.apiKey ? { 'X-API-Key': this.apiKey } : {};
  }

  /** The response data, or a CliError carrying the API's status and detail. */
  async call<T>(request: Promise<ApiResult<T>>): Promise<T> {
    let result: ApiResult<T>;
    try {
      result = await request;
    } catch (error) {
      throw new CliError(`cannot reach ${this.baseUrl}: ${networkCause(error)}`);
    }
    if (result.error !== undefined || !result.response.ok) {
      throw CliContext.apiError(result.response, result.error);
    }
    return result.data as T;
  }

  static apiError(response: Response, body: unknown): CliError {
    const error = body as { status_code?: number; error?: string; detail?: string } | undefined;
    const head = `${response.status} ${error?.error ?? response.statusText}`;
    return new CliError(error?.detail ? `${head}: ${error.detail}` : head);
  }

  print(text: string): void {
    process.stdout.write(`${text}\n`);
  }
}
