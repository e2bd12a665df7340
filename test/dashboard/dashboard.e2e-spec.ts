import { existsSync } from 'node:fs';
import { Browser, chromium, Page } from 'playwright-core';
import { Service, startService } from '../utils/service';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = '/tmp/netorch-dashboard.png';
const KEY = 'dashboard-test-key';
const NODES = 12;
// Other suites of the run share the database: find ours by a name nobody else uses.
const NAME = `dc1-leaf-spine-${process.pid}-${Date.now().toString(36)}`;

let service: Service;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/** Polls the page until `check` holds; the dashboard refreshes on its own every few seconds. */
async function until<T>(check: () => Promise<T>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const result = await check();
      if (result) return result;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`dashboard never showed ${what}${last ? `: ${String(last)}` : ''}`);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the dashboard test drives a real browser. Install it with \`apt-get update && apt-get install -y chromium\`.`,
    );
  }
  service = await startService({
    APP_ROLE: 'all',
    API_KEYS: `${KEY}:rw`,
    SIM_TIME_SCALE: '0.02',
    // Only pushed samples, so the bottleneck below is certain whatever the collector generates.
    TELEMETRY_INTERVAL_MS: '3600000',
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) pageErrors.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

describe('operator dashboard', () => {
  it('serves the page and its files without a key, with a strict content policy', async () => {
    const index = await service.http.get('/').expect(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect(index.text).toContain('/dashboard/app.js');
    const js = await service.http.get('/dashboard/app.js').expect(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    await service.http.get('/dashboard/app.js').set('If-None-Match', js.headers.etag).expect(304);
    expect((await service.http.get('/dashboard/style.css').expect(200)).text).toContain('.grid');
    const missing = await service.http.get('/dashboard/..%2Fpackage.json').expect(404);
    expect(missing.body.status_code).toBe(404);
    await service.http.get('/deployments').expect(401);
  });

  it('asks for an API key, then creates a deployment and shows its rollout', async () => {
    await page.goto(service.url);
    await until(
      async () => /API key/.test((await page.locator('#banner').textContent()) ?? ''),
      'the API key prompt',
    );

    await page.fill('#api-key', KEY);
    await page.click('#key-form button[type=submit]');
    await until(async () => !(await page.locator('#banner').isVisible()), 'the banner cleared');
    const listed = (
      await service.http.get('/deployments?limit=1000').set('X-API-Key', KEY).expect(200)
    ).body.length;
    await until(
      async () =>
        listed === 0
          ? await page.locator('#deployments-empty').isVisible()
          : (await page.locator('#deployment-list li').count()) === listed,
      'the deployments list',
    );

    // A rule broken in the form comes back as the API's own sentence.
    await page.fill('#create-form [name=name]', NAME);
    await page.fill('#create-form [name=target_node_count]', '0');
    await page.click('#create-form button[type=submit]');
    await until(
      async () =>
        /target_node_count/.test((await page.locator('#create-error').textContent()) ?? ''),
      'the validation error',
    );

    await page.fill('#create-form [name=target_node_count]', String(NODES));
    await page.fill('#create-form [name=max_parallel]', '4');
    await page.click('#create-form button[type=submit]');
    await until(
      async () => (await page.locator('#deployment-list li', { hasText: NAME }).count()) === 1,
      'the new deployment in the list',
    );
    expect(await page.locator('#create-error').isVisible()).toBe(false);
    expect(page.url()).toMatch(/#\/deployments\/\d+$/);
    const id = Number(/(\d+)$/.exec(page.url())![1]);
    // Newest first, and the page selected it.
    expect(await page.locator('#deployment-list li').first().textContent()).toContain(NAME);
    expect(await page.locator(`#deployment-list button.selected[data-id="${id}"]`).count()).toBe(1);

    await until(
      async () => (await page.locator('#node-grid .cell').count()) === NODES,
      `${NODES} cells in the node grid`,
    );
    // Every node reaches a terminal state; the grid and the counts say the same as the API.
    await until(
      async () =>
        (await page.locator('#node-grid .cell[data-state=RUNNING]').count()) +
          (await page.locator('#node-grid .cell[data-state=FAILED]').count()) ===
        NODES,
      'every node RUNNING or FAILED',
    );
    const detail = (await service.http.get(`/deployments/${id}`).set('X-API-Key', KEY).expect(200))
      .body;
    for (const state of ['RUNNING', 'FAILED']) {
      expect(await page.locator(`#node-grid .cell[data-state=${state}]`).count()).toBe(
        detail.state_counts[state],
      );
      await until(
        async () =>
          (await page.locator(`#d-counts li[data-state=${state}] strong`).textContent()) ===
          String(detail.state_counts[state]),
        `the ${state} count`,
      );
    }
    await until(
      async () => /100 %/.test((await page.locator('#d-progress-text').textContent()) ?? ''),
      'progress at 100 %',
    );
    expect(await page.locator('#d-name').textContent()).toBe(NAME);
  });

  it('charts latency from telemetry and lists the bottleneck', async () => {
    const id = Number(/(\d+)$/.exec(page.url())![1]);
    const nodes = (
      await service.http.get(`/deployments/${id}/nodes`).set('X-API-Key', KEY).expect(200)
    ).body.nodes as { id: number; node_id: string }[];
    // One node far slower than every other, pushed as a device would: a certain bottleneck.
    const slow = nodes[3];
    const now = Date.now();
    const samples = [];
    for (const node of nodes) {
      for (let i = 0; i < 5; i += 1) {
        samples.push({
          node_id: node.id,
          timestamp: new Date(now - i * 1000).toISOString(),
          latency_ms: node.id === slow.id ? 900 + i : 4 + (i % 2),
          throughput_gbps: 9.5,
          error_rate: 0.1,
        });
      }
    }
    await service.http
      .post(`/deployments/${id}/telemetry`)
      .set('X-API-Key', KEY)
      .send({ samples })
      .expect(202);

    await until(
      async () => (await page.locator('#latency-chart path.mean').count()) === 1,
      'the latency line',
    );
    expect(await page.locator('#latency-chart path.band').count()).toBe(1);
    await until(
      async () =>
        (await page.locator(`#bottleneck-rows tr[data-node-id="${slow.id}"]`).count()) === 1,
      `${slow.node_id} among the bottlenecks`,
    );
    const row = await page.locator(`#bottleneck-rows tr[data-node-id="${slow.id}"]`).textContent();
    expect(row).toContain(slow.node_id);
    expect(row).toContain('latency_ms');

    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // A click on a cell narrows the chart to that node.
    await page.click(`#node-grid .cell[data-node-id="${slow.id}"]`);
    await until(
      async () =>
        ((await page.locator('#chart-caption').textContent()) ?? '').includes(slow.node_id),
      'the chart narrowed to one node',
    );
    expect(await page.locator('#node-grid .cell.selected').count()).toBe(1);
  });

  it('keeps the key and the selection across a reload', async () => {
    await page.reload();
    await until(
      async () => (await page.locator('#node-grid .cell').count()) === NODES,
      'the grid after a reload',
    );
    expect(await page.locator('#banner').isVisible()).toBe(false);
    expect(await page.inputValue('#api-key')).toBe(KEY);
    expect(pageErrors).toEqual([]);
  });
});
