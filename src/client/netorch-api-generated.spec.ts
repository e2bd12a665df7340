import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const GENERATED = 'generated/netorch-api.d.ts';
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);

// The client types (outside src/, types only) must follow openapi.json: after an API change,
// `npm run generate:client`.
it('generated/netorch-api.d.ts is what openapi-typescript makes of openapi.json', () => {
  // The generate:client script's command without its output file: the same flags.
  const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts[
    'generate:client'
  ];
  const args = script.split(' -o ')[0].split(' ').slice(1);
  const raw = execFileSync(bin('openapi-typescript'), args, {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const formatted = execFileSync(bin('prettier'), ['--stdin-filepath', GENERATED], {
    cwd: ROOT,
    input: raw,
    encoding: 'utf8',
  });
  if (formatted !== readFileSync(join(ROOT, GENERATED), 'utf8')) {
    throw new Error(`${GENERATED} does not match openapi.json: run \`npm run generate:client\``);
  }
});
