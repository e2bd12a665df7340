import { ALL_CONFIG_VARIABLES } from './app-config';
import { CONFIG_GROUPS } from './config-variable';

/** Where the generated reference lives, from the repository root. */
export const CONFIG_DOCS_PATH = 'docs/configuration.md';
/** The command that writes it. */
export const CONFIG_DOCS_COMMAND = 'npm run docs:config';

// A pipe inside a cell would end the cell.
const cell = (text: string) => text.replace(/\|/g, '\\|');

/** docs/configuration.md as the variable rows make it: one table per group. */
export function renderConfigDocs(): string {
  const lines = [
    '# Configuration',
    '',
    `Generated from \`src/config/config-variables.ts\` by \`${CONFIG_DOCS_COMMAND}\`; edit the rows there, not this file.`,
    '',
    'Environment variables, all optional; an empty value counts as unset. A bad value stops the',
    'process at start with one line naming the variable and why',
    '(`Invalid configuration: PORT="eighty" must be an integer number`); it never repeats a secret.',
  ];
  for (const group of CONFIG_GROUPS) {
    const rows = ALL_CONFIG_VARIABLES.filter((row) => row.group === group);
    if (rows.length === 0) continue;
    lines.push('', `## ${group}`, '', '| variable | default | description |', '|---|---|---|');
    for (const row of rows) {
      lines.push(`| \`${row.env}\` | ${cell(row.shownDefault)} | ${cell(row.description)} |`);
    }
  }
  lines.push(
    '',
    'The OpenTelemetry SDK also honours its own variables, e.g. `OTEL_BSP_SCHEDULE_DELAY` (export',
    'period, 5 s) and `OTEL_TRACES_SAMPLER`/`OTEL_TRACES_SAMPLER_ARG` (sampling; default: every trace).',
  );
  return `${lines.join('\n')}\n`;
}
