import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_DOCS_PATH, renderConfigDocs } from '../src/config/config-docs';

// Writes docs/configuration.md from the configuration's variable rows.
const target = join(__dirname, '..', CONFIG_DOCS_PATH);
writeFileSync(target, renderConfigDocs());
console.log(`Wrote ${CONFIG_DOCS_PATH}`);
