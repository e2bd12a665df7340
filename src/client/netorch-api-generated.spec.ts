import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const GENERATED = 'src/client/netorch-api.generated.ts';
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);

// The client types must follow openapi.json: after an API change, `npm run generate:client`.
it('netorch-api.generated.ts is what openapi-typescript makes of openapi.json', () => {
  const raw = execFileSync(bin('openapi-typescript'), ['openapi.json'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const formatted = execFileSync(bin('prettier'), ['--stdin-filepath', GENERATED], {
    cwd: ROOT,
    input: raw,
    encoding: 'utf8',
  });
  expect(formatted === readFileSync(join(ROOT, GENERATED), 'utf8')).toBe(true);
});
