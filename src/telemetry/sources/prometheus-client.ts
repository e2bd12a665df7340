import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  isOutboundRefusal,
  outboundLookup,
  OutboundPolicy,
  outboundUrlProblem,
} from '../../common/outbound-address';

/** A Prometheus instant query has this long to answer. */
export const PROMETHEUS_QUERY_TIMEOUT_MS = 10_000;
/** A query answer larger than this is refused (a query that returns every series of a server). */
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** One series of an instant vector: its labels and its value (a string, as Prometheus sends it). */
export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * A query that did not give a vector. `rejected`: Prometheus answered with an error about the
 * query (bad_data, a result that is not a vector); else the server could not be asked (refused
 * address, connection, timeout, another status), which makes a failed tick.
 */
export class PrometheusQueryError extends Error {
  constructor(
    message: string,
    readonly rejected: boolean,
  ) {
    super(message);
  }
}

export interface PrometheusTarget {
  url: string;
  /** A bearer token, sent as Authorization; never logged nor put in an error. */
  token?: string;
  policy: OutboundPolicy;
}

/** The JSON body of GET {url}/api/v1/query, or an error (never with the token in it). */
function get(
  target: PrometheusTarget,
  params: URLSearchParams,
): Promise<{ status: number; body: string }> {
  const base = target.url.replace(/\/+$/, '');
  const url = new URL(`${base}/api/v1/query?${params}`);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: {
          accept: 'application/json',
          ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
        },
        lookup: outboundLookup(target.policy),
        timeout: PROMETHEUS_QUERY_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            req.destroy(new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`no answer within ${PROMETHEUS_QUERY_TIMEOUT_MS} ms`)),
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Runs one instant query at `timeMs` (now when left out) against Prometheus's HTTP API and
 * returns its vector. The URL obeys the outbound address rule of receivers, checked on the URL
 * and on every address its name resolves to.
 */
export async function instantQuery(
  target: PrometheusTarget,
  query: string,
  timeMs?: number,
): Promise<VectorSample[]> {
  const problem = outboundUrlProblem(target.url, target.policy, {
    field: 'telemetry.prometheus.url',
  });
  if (problem) throw new PrometheusQueryError(problem, false);
  const params = new URLSearchParams({ query });
  if (timeMs !== undefined) params.set('time', (timeMs / 1000).toFixed(3));
  let answer: { status: number; body: string };
  try {
    answer = await get(target, params);
  } catch (error) {
    const reason = isOutboundRefusal(error) ? 'refused' : 'unreachable';
    throw new PrometheusQueryError(
      `Prometheus at ${target.url} is ${reason}: ${(error as Error).message}`,
      false,
    );
  }
  let parsed: {
    status?: string;
    errorType?: string;
    error?: string;
    data?: { resultType?: string; result?: unknown };
  };
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    throw new PrometheusQueryError(
      `Prometheus at ${target.url} answered ${answer.status} without a JSON body`,
      false,
    );
  }
  if (parsed.status !== 'success') {
    // 400 bad_data and 422 execution errors are about the query; 5xx and others about the server.
    const rejected = answer.status === 400 || answer.status === 422;
    throw new PrometheusQueryError(
      `Prometheus rejected the query ${JSON.stringify(query)}: ${parsed.errorType ?? answer.status}: ${parsed.error ?? 'no error given'}`,
      rejected,
    );
  }
  if (parsed.data?.resultType !== 'vector') {
    throw new PrometheusQueryError(
      `The query ${JSON.stringify(query)} gives a ${parsed.data?.resultType ?? 'result'}, not an instant vector`,
      true,
    );
  }
  return parsed.data.result as VectorSample[];
}
