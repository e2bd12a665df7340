import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from '../../generated/netorch-api';

export type { components, operations, paths } from '../../generated/netorch-api';

/** A typed client of the netorch API: every path, parameter and body checked against openapi.json. */
export type NetorchClient = Client<paths>;

/** Response and request bodies by schema name, e.g. `Schema<'DeploymentDetailResponse'>`. */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];

export interface NetorchClientOptions {
  /** Where the API listens, e.g. http://localhost:8000 */
  baseUrl: string;
  /** Sent as X-API-Key; leave out for a service that runs without API keys. */
  apiKey?: string;
  /** Replaces the global fetch (tests, proxies). */
  fetch?: typeof globalThis.fetch;
}

export function createNetorchClient(options: NetorchClientOptions): NetorchClient {
  return createClient<paths>({
    // A trailing slash would double up with the paths, which all start with one.
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: options.apiKey ? { 'X-API-Key': options.apiKey } : {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
