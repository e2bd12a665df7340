/**
 * `npm run sql:generate`: writes the catalogue of the SQL that runs to src/queries, one file per
 * repository or statement module, and removes files no module writes any more. With `--json`
 * it writes nothing and prints the catalogue instead (the unit spec that keeps src/queries
 * current runs it so, since the modules load as they do in the service, not under Jest).
 */
import { mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { QUERIES_DIR, renderCatalogue } from './sql-catalogue';

async function main(): Promise<void> {
  const root = resolve(__dirname, '..');
  const { files, errors } = await renderCatalogue(root);
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify({ files: Object.fromEntries(files), errors }));
    return;
  }
  if (errors.length > 0) {
    for (const error of errors) console.error(error);
    process.exitCode = 1;
    return;
  }
  const dir = join(root, QUERIES_DIR);
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) {
    if (/\.(sql|md)$/.test(name) && !files.has(name)) unlinkSync(join(dir, name));
  }
  for (const [name, content] of files) writeFileSync(join(dir, name), content);
  console.log(`${files.size} files in ${QUERIES_DIR}`);
}

void main();
