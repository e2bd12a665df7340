import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_CONFIG_VARIABLES, loadConfig } from './app-config';
import { CONFIG_DOCS_COMMAND, CONFIG_DOCS_PATH, renderConfigDocs } from './config-docs';

describe('the configuration reference', () => {
  it(`is what the variable rows produce (else run ${CONFIG_DOCS_COMMAND})`, () => {
    const written = readFileSync(join(__dirname, '..', '..', CONFIG_DOCS_PATH), 'utf8');
    if (written !== renderConfigDocs()) {
      throw new Error(
        `${CONFIG_DOCS_PATH} differs from the variable rows in src/config: run ${CONFIG_DOCS_COMMAND}`,
      );
    }
  });

  it('lists every variable once, with a default and a description', () => {
    const names = ALL_CONFIG_VARIABLES.map((row) => row.env);
    expect(new Set(names).size).toBe(names.length);
    for (const row of ALL_CONFIG_VARIABLES) {
      expect(row.description.trim()).not.toBe('');
      expect(row.shownDefault.trim()).not.toBe('');
      expect(renderConfigDocs()).toContain(`| \`${row.env}\` |`);
    }
  });

  it('gives every AppConfig property a row', () => {
    expect(Object.keys(loadConfig({})).length).toBe(ALL_CONFIG_VARIABLES.length);
  });
});
