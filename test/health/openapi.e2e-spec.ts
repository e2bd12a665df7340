import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Service, startService } from '../support/service';

// The committed contract: a change to any endpoint, field or error shows up in review as a
// diff of openapi.json. After an intended change: `UPDATE_OPENAPI=1 npm test -- openapi`.
const SNAPSHOT = join(__dirname, '..', '..', 'openapi.json');

let api: Service;

beforeAll(async () => {
  api = await startService({ APP_ROLE: 'api' });
});

afterAll(async () => {
  await api?.stop();
});

it('serves the OpenAPI document committed in openapi.json', async () => {
  const served = (await api.http.get('/docs-json').expect(200)).body;
  if (process.env.UPDATE_OPENAPI === '1') {
    writeFileSync(SNAPSHOT, `${JSON.stringify(served, null, 2)}\n`);
  }
  const committed = JSON.parse(readFileSync(SNAPSHOT, 'utf8'));
  expect(served).toEqual(committed);
});
