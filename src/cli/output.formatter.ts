import Table from 'cli-table3';

export type OutputFormat = 'table' | 'json';
export type Column<Row> = [header: string, value: (row: Row) => unknown];

// Borderless, left-aligned columns: readable in a terminal and easy to grep or cut.
const PLAIN = {
  chars: {
    top: '',
    'top-mid': '',
    'top-left': '',
    'top-right': '',
    bottom: '',
    'bottom-mid': '',
    'bottom-left': '',
    'bottom-right': '',
    left: '',
    'left-mid': '',
    mid: '',
    'mid-mid': '',
    right: '',
    'right-mid': '',
    middle: '  ',
  },
  style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
};

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Renders API data as a table (rows with the given columns) or as indented JSON. */
export const outputFormatter = {
  rows<Row>(
    format: OutputFormat,
    rows: Row[],
    columns: Column<Row>[],
    json: unknown = rows,
  ): string {
    if (format === 'json') return JSON.stringify(json, null, 2);
    const table = new Table({ head: columns.map(([h]) => h), ...PLAIN });
    for (const row of rows) table.push(columns.map(([, value]) => cell(value(row))));
    return table
      .toString()
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n');
  },
  /** One record as FIELD value lines. */
  record(format: OutputFormat, fields: [string, unknown][], json: unknown): string {
    if (format === 'json') return JSON.stringify(json, null, 2);
    return outputFormatter.rows('table', fields, [
      ['FIELD', ([name]) => name],
      ['VALUE', ([, value]) => value],
    ]);
  },
};
