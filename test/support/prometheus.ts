import type { Service } from './service';

/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition (version 0.0.4): samples and the declared types. */
export function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1], type[2]);
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key] = value;
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return { samples, types };
}

/** The sum of every sample of `name` whose labels include `labels`. */
export function total(samples: Sample[], name: string, labels: Record<string, string> = {}) {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Whether an exposition declares a metric that a query may name (a histogram's _bucket too). */
export function isExported(types: Map<string, string>, name: string): boolean {
  if (types.has(name)) return true;
  const histogram = /^(.*)_(bucket|sum|count)$/.exec(name);
  return (
    histogram !== null &&
    ['histogram', 'summary'].includes(types.get(histogram[1]) ?? '') &&
    !(histogram[2] === 'bucket' && types.get(histogram[1]) === 'summary')
  );
}

/** Series Prometheus makes itself (target health, alert state), never exported by a service. */
export const PROMETHEUS_OWN_SERIES = new Set(['up', 'ALERTS', 'ALERTS_FOR_STATE']);

/** PromQL words that may precede `{` or `[` without being a metric. */
const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/**
 * The metric names a PromQL expression reads: every netorch_, process_ and nodejs_ name, and any
 * other selector written as `name{` (so a typo or a foreign metric cannot slip through).
 */
export function metricNamesIn(expr: string): string[] {
  // Label matchers and strings are not names.
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const names = new Set<string>();
  for (const [name] of bare.matchAll(/\b(?:netorch|process|nodejs)_[a-zA-Z0-9_]+\b/g)) {
    names.add(name);
  }
  for (const [, name] of bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{/g)) {
    if (!PROMQL_WORDS.has(name)) names.add(name);
  }
  return [...names];
}

/** The one sample of `name` with exactly these labels among others; fails on none or several. */
export function value(samples: Sample[], name: string, labels: Record<string, string> = {}) {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length !== 1) {
    throw new Error(`expected one ${name} ${JSON.stringify(labels)}, found ${found.length}`);
  }
  return found[0].value;
}

/** Scrapes a service's /metrics (public, as for Prometheus) and parses it. */
export async function scrape(service: Service): Promise<{ samples: Sample[]; text: string }> {
  const res = await service.http.get('/metrics').expect(200);
  expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
  return { samples: parseExposition(res.text).samples, text: res.text };
}
