import { parse } from 'csv-parse/sync';
import type { Schema } from '../client/netorch-client';

export type Sample = Schema<'PushedSampleDto'>;
export type TelemetryFormat = 'csv' | 'json';

const NUMBERS = ['node_id', 'latency_ms', 'throughput_gbps', 'error_rate'] as const;
const COLUMNS = new Set<string>([...NUMBERS, 'timestamp']);

export class TelemetryFileError extends Error {}

/** `where` names the sample for the user: "line 7" in a CSV file, "sample 7" in a JSON file. */
function toSample(record: Record<string, unknown>, where: string): Sample {
  const sample: Record<string, unknown> = {};
  for (const field of NUMBERS) {
    const raw = record[field];
    if (raw === undefined || raw === null || raw === '') {
      throw new TelemetryFileError(`${where}: ${field} is missing`);
    }
    const value = typeof raw === 'string' ? Number(raw) : raw;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TelemetryFileError(`${where}: ${field} ${JSON.stringify(raw)} is not a number`);
    }
    if (field === 'node_id' && !Number.isInteger(value)) {
      throw new TelemetryFileError(`${where}: node_id ${JSON.stringify(raw)} is not an integer id`);
    }
    sample[field] = value;
  }
  const timestamp = record.timestamp;
  if (timestamp !== undefined && timestamp !== null && timestamp !== '') {
    if (typeof timestamp !== 'string') {
      throw new TelemetryFileError(`${where}: timestamp must be an ISO 8601 string`);
    }
    sample.timestamp = timestamp;
  }
  return sample as unknown as Sample;
}

function fromCsv(text: string): Sample[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true });
  } catch (error) {
    throw new TelemetryFileError(`not valid CSV: ${(error as Error).message}`);
  }
  const header = Object.keys(records[0]?.record ?? {});
  const unknown = header.filter((c) => !COLUMNS.has(c));
  if (unknown.length) {
    throw new TelemetryFileError(
      `unknown CSV column ${unknown.join(', ')}; expected node_id, timestamp, latency_ms, throughput_gbps, error_rate`,
    );
  }
  return records.map(({ record, info }) => toSample(record, `line ${info.lines}`));
}

function fromJson(text: string): Sample[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new TelemetryFileError(`not valid JSON: ${(error as Error).message}`);
  }
  const list =
    data && typeof data === 'object' && !Array.isArray(data)
      ? (data as { samples?: unknown }).samples
      : data;
  if (!Array.isArray(list)) {
    throw new TelemetryFileError('expected a JSON array of samples or {"samples": [...]}');
  }
  return list.map((item, i) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      throw new TelemetryFileError(`sample ${i + 1}: expected an object`);
    }
    return toSample(item as Record<string, unknown>, `sample ${i + 1}`);
  });
}

/** Reads telemetry samples from CSV (a header row naming the columns) or JSON text. */
export const telemetryFileParser = {
  /** The format given, else the one the file name ends with. */
  formatOf(path: string, explicit?: string): TelemetryFormat {
    const format = (explicit ?? path.split('.').pop() ?? '').toLowerCase();
    if (format === 'csv' || format === 'json') return format;
    throw new TelemetryFileError(
      explicit
        ? `unknown format "${explicit}"; use csv or json`
        : `cannot tell the format of ${path}; name it .csv or .json, or pass --format csv|json`,
    );
  },
  parse(text: string, format: TelemetryFormat): Sample[] {
    const samples = format === 'csv' ? fromCsv(text) : fromJson(text);
    if (samples.length === 0) throw new TelemetryFileError('the file holds no samples');
    return samples;
  },
};
