export { METRIC_PREFIX } from '../observability/metric-names';

/** Request latency buckets in seconds: from a cached read to a 10,000-node create. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Route label for requests that matched no route, so scanners cannot explode cardinality. */
export const UNMATCHED_ROUTE = 'unmatched';
