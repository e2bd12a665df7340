import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Dialog, Page } from 'playwright-core';
import { pollUntil } from '../support/poll';
import { Service, startService } from '../support/service';

const CHROMIUM = '/usr/bin/chromium';
// Screenshots for people to look at (gitignored); the test asserts on the page, not on them.
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'dashboard');
const KEY = 'dashboard-test-key';
const NODES = 12;
// Other suites of the run share the database: find ours by a name nobody else uses.
const NAME = `dc1-leaf-spine-${process.pid}-${Date.now().toString(36)}`;
const METRICS = ['latency_ms', 'throughput_gbps', 'error_rate'] as const;

let service: Service;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
// Every series request the page made, with when it was made.
const seriesRequests: { url: URL; at: number }[] = [];
// Our own deployments: the main one (created in the page), and the two with a rollout.
let mainId: number;
let slow: { id: number; node_id: string };

/** How the page is polled: it refreshes on its own every few seconds, and may not be drawn yet. */
const PAGE = { timeoutMs: 30_000, intervalMs: 200, retryErrors: true };

const api = () => ({
  get: (path: string) => service.http.get(path).set('X-API-Key', KEY),
  post: (path: string) => service.http.post(path).set('X-API-Key', KEY),
});

async function rolloutOf(id: number): Promise<{ status: string; wave: number }> {
  return (await api().get(`/deployments/${id}`).expect(200)).body.rollout;
}

const shot = (name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

const text = async (selector: string) => (await page.locator(selector).textContent()) ?? '';

// The few browser objects the checks below read (the test compiles without the DOM types).
interface PageChart {
  series: { label?: string }[];
  data: (number | null)[][];
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  };
}
interface PageGlobals {
  netorchCharts?: Record<string, PageChart>;
  document: { querySelector(selector: string): PageCanvas | null };
}

/** What the page's uPlot instance of a chart holds: series labels and points per series. */
function chartState(metric: string) {
  return page.evaluate((key) => {
    const plot = (globalThis as unknown as PageGlobals).netorchCharts?.[key];
    if (!plot) return null;
    return {
      labels: plot.series.slice(1).map((s) => s.label ?? ''),
      points: plot.data.slice(1).map((column) => column.filter((v) => v !== null).length),
    };
  }, metric);
}

/** Pixels of the chart's canvas in one series colour (#rrggbb): the line was really drawn. */
function pixelsOf(metric: string, colour: string) {
  return page.evaluate(
    ([key, hex]) => {
      const { document } = globalThis as unknown as PageGlobals;
      const canvas = document.querySelector(`#chart-${key} canvas`);
      if (!canvas || canvas.width === 0) return 0;
      const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] > 200 && want.every((c, k) => Math.abs(px[i + k] - c) < 12)) n += 1;
      }
      return n;
    },
    [metric, colour] as const,
  );
}

/** The latest series request for `metric` made after `since`. */
function latestSeries(metric: string, since: number, nodeId?: number) {
  return seriesRequests
    .filter(
      (r) =>
        r.at >= since &&
        r.url.searchParams.get('metric') === metric &&
        (nodeId === undefined
          ? !r.url.searchParams.has('node_id')
          : r.url.searchParams.get('node_id') === String(nodeId)),
    )
    .at(-1);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the dashboard test drives a real browser. Install it with \`apt-get update && apt-get install -y chromium\`.`,
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  service = await startService({
    APP_ROLE: 'all',
    API_KEYS: `${KEY}:rw`,
    SIM_TIME_SCALE: '0.02',
    // Only pushed samples, so the bottleneck below is certain whatever the collector generates.
    TELEMETRY_INTERVAL_MS: '3600000',
    ALERT_EVAL_INTERVAL_MS: '1000',
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
    const line = message.text();
    // The browser logs every refused response; these the page expects and shows: 401 before a
    // key is entered, 422 for the create form's broken rule, 409 when a rollout changed under
    // the operator's click.
    if (/Failed to load resource: the server responded with a status of (401|422|409)/.test(line)) {
      return;
    }
    if (message.type() === 'error' || /Content Security Policy|Refused to/i.test(line)) {
      pageErrors.push(line);
    }
  });
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.endsWith('/telemetry/series')) seriesRequests.push({ url, at: Date.now() });
  });
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

describe('operator dashboard', () => {
  it('serves the page, its files and the chart library without a key, with a strict content policy', async () => {
    const index = await service.http.get('/').expect(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect(index.text).toContain('/dashboard/app.js');
    expect(index.text).toContain('/dashboard/uPlot.iife.min.js');
    const js = await service.http.get('/dashboard/app.js').expect(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    await service.http.get('/dashboard/app.js').set('If-None-Match', js.headers.etag).expect(304);
    expect((await service.http.get('/dashboard/style.css').expect(200)).text).toContain('.grid');
    const uplot = await service.http.get('/dashboard/uPlot.iife.min.js').expect(200);
    expect(uplot.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(uplot.text).toContain('uPlot');
    const css = await service.http.get('/dashboard/uPlot.min.css').expect(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const missing = await service.http.get('/dashboard/..%2Fpackage.json').expect(404);
    expect(missing.body.status_code).toBe(404);
    await service.http.get('/deployments').expect(401);
  });

  it('asks for an API key, then creates a deployment and shows its rollout, status and progress', async () => {
    await page.goto(service.url);
    await pollUntil(async () => /API key/.test(await text('#banner')), 'the API key prompt', PAGE);

    await page.fill('#api-key', KEY);
    await page.click('#key-form button[type=submit]');
    await pollUntil(
      async () => !(await page.locator('#banner').isVisible()),
      'the banner cleared',
      PAGE,
    );
    const listed = (await api().get('/deployments?limit=1000').expect(200)).body.length;
    await pollUntil(
      async () =>
        listed === 0
          ? await page.locator('#deployments-empty').isVisible()
          : (await page.locator('#deployment-list li').count()) === listed,
      'the deployments list',
      PAGE,
    );

    // A rule broken in the form comes back as the API's own sentence.
    await page.fill('#create-form [name=name]', NAME);
    await page.fill('#create-form [name=target_node_count]', '0');
    await page.click('#create-form button[type=submit]');
    await pollUntil(
      async () => /target_node_count/.test(await text('#create-error')),
      'the validation error',
      PAGE,
    );

    await page.fill('#create-form [name=target_node_count]', String(NODES));
    await page.fill('#create-form [name=max_parallel]', '4');
    await page.click('#create-form button[type=submit]');
    await pollUntil(
      async () => (await page.locator('#deployment-list li', { hasText: NAME }).count()) === 1,
      'the new deployment in the list',
      PAGE,
    );
    expect(await page.locator('#create-error').isVisible()).toBe(false);
    expect(page.url()).toMatch(/#\/deployments\/\d+$/);
    mainId = Number(/(\d+)$/.exec(page.url())![1]);
    // Newest first, and the page selected it.
    expect(await page.locator('#deployment-list li').first().textContent()).toContain(NAME);
    expect(
      await page.locator(`#deployment-list button.selected[data-id="${mainId}"]`).count(),
    ).toBe(1);

    await pollUntil(
      async () => (await page.locator('#node-grid .cell').count()) === NODES,
      `${NODES} cells in the node grid`,
      PAGE,
    );
    // Every node reaches a terminal state; the grid and the counts say the same as the API.
    await pollUntil(
      async () =>
        (await page.locator('#node-grid .cell[data-state=RUNNING]').count()) +
          (await page.locator('#node-grid .cell[data-state=FAILED]').count()) ===
        NODES,
      'every node RUNNING or FAILED',
      PAGE,
    );
    const detail = (await api().get(`/deployments/${mainId}`).expect(200)).body;
    for (const state of ['RUNNING', 'FAILED']) {
      expect(await page.locator(`#node-grid .cell[data-state=${state}]`).count()).toBe(
        detail.state_counts[state],
      );
      await pollUntil(
        async () =>
          (await text(`#d-counts li[data-state=${state}] strong`)) ===
          String(detail.state_counts[state]),
        `the ${state} count`,
        PAGE,
      );
    }
    await pollUntil(
      async () => /100 %/.test(await text('#d-progress-text')),
      'progress at 100 %',
      PAGE,
    );
    expect(await page.locator('#d-name').textContent()).toBe(NAME);

    // The list shows each deployment's status and progress, as GET /deployments/{id} has them.
    const entry = `#deployment-list li[data-id="${mainId}"]`;
    await pollUntil(
      async () =>
        (await page.locator(`${entry} .summary[data-status="${detail.status}"]`).count()) === 1 &&
        (await text(`${entry} .pct`)) === '100 %',
      `status ${detail.status} and 100 % in the list`,
      PAGE,
    );

    // The events panel follows the live stream: the nodes' state changes are there.
    await pollUntil(
      async () => (await page.locator('#event-list li[data-type=STATE_CHANGE]').count()) >= NODES,
      'the state changes in the events panel',
      PAGE,
    );
    expect(await text('#events-status')).toBe('live');
  });

  it('charts mean and p95 of every metric from the series endpoint and flags the slow node', async () => {
    const nodes = (await api().get(`/deployments/${mainId}/nodes`).expect(200)).body.nodes as {
      id: number;
      node_id: string;
    }[];
    // One node far slower than every other, pushed as a device would over the last 14
    // minutes (a sample every 30 s): a certain bottleneck, and points in every range.
    slow = nodes[3];
    const now = Date.now();
    const samples = [];
    for (const node of nodes) {
      for (let i = 0; i < 28; i += 1) {
        const wave = Math.sin(i / 3 + node.id);
        samples.push({
          node_id: node.id,
          timestamp: new Date(now - 2000 - i * 30_000).toISOString(),
          latency_ms: node.id === slow.id ? 900 + 40 * wave : 4.5 + wave,
          throughput_gbps: node.id === slow.id ? 6 + wave : 9.5 + 0.3 * wave,
          error_rate: node.id === slow.id ? 2 + wave : 0.1 + 0.05 * wave,
        });
      }
    }
    await api().post(`/deployments/${mainId}/telemetry`).send({ samples }).expect(202);

    // Each chart holds the buckets of the series endpoint and drew its lines on its canvas.
    for (const metric of METRICS) {
      const state = await pollUntil(
        async () => {
          const s = await chartState(metric);
          return s && s.points[0] >= 20 ? s : null;
        },
        `the ${metric} chart with its points`,
        PAGE,
      );
      expect(state.labels).toEqual(['mean', 'p95']);
      expect(state.points[1]).toBeGreaterThan(0);
      await pollUntil(
        async () => (await pixelsOf(metric, '#2563eb')) > 20,
        `the ${metric} mean line`,
        PAGE,
      );
      await pollUntil(
        async () => (await pixelsOf(metric, '#f59e0b')) > 20,
        `the ${metric} p95 line`,
        PAGE,
      );
    }
    // Never the raw samples: the series endpoint, for the default hour in 10 s buckets.
    const first = latestSeries('latency_ms', 0)!;
    expect(first.url.searchParams.get('bucket')).toBe('10s');
    const span = first.at - Date.parse(first.url.searchParams.get('start_time')!);
    expect(span).toBeGreaterThan(59 * 60_000);
    expect(span).toBeLessThan(61 * 60_000);

    await pollUntil(
      async () =>
        (await page.locator(`#bottleneck-rows tr[data-node-id="${slow.id}"]`).count()) === 1,
      `${slow.node_id} among the bottlenecks`,
      PAGE,
    );
    const row = await text(`#bottleneck-rows tr[data-node-id="${slow.id}"]`);
    expect(row).toContain(slow.node_id);
    expect(row).toContain('latency_ms');
    // The grid rings the flagged node, and only it.
    await pollUntil(
      async () =>
        (await page.locator(`#node-grid .cell.flagged[data-node-id="${slow.id}"]`).count()) === 1,
      `${slow.node_id} ringed in the grid`,
      PAGE,
    );
    expect(await page.locator('#node-grid .cell.flagged').count()).toBe(1);
    await shot('01-deployment-charts');
  });

  it('asks for the chosen range: 15 min and 1 h in 10 s buckets with p95, 6 h and 24 h from rollups', async () => {
    const expected = [
      { range: '15m', minutes: 15, bucket: '10s', spread: 'p95' },
      { range: '24h', minutes: 24 * 60, bucket: '5m', spread: 'max' },
      { range: '6h', minutes: 6 * 60, bucket: '1m', spread: 'max' },
      { range: '15m', minutes: 15, bucket: '10s', spread: 'p95' },
    ];
    for (const { range, minutes, bucket, spread } of expected) {
      const clicked = Date.now();
      await page.click(`#range-switch button[data-range="${range}"]`);
      for (const metric of METRICS) {
        const request = await pollUntil(
          async () => latestSeries(metric, clicked),
          `a ${metric} request for ${range}`,
          PAGE,
        );
        expect(request.url.searchParams.get('bucket')).toBe(bucket);
        const span = request.at - Date.parse(request.url.searchParams.get('start_time')!);
        expect(span).toBeGreaterThan((minutes - 1) * 60_000);
        expect(span).toBeLessThan((minutes + 1) * 60_000);
      }
      await pollUntil(
        async () => {
          const s = await chartState('latency_ms');
          return s && s.labels[1] === spread && s.points[0] > 0;
        },
        `the latency chart for ${range} with ${spread}`,
        PAGE,
      );
      expect(await page.locator(`#range-switch button[data-range="${range}"].active`).count()).toBe(
        1,
      );
      if (range === '24h') await shot('02-range-24h');
    }
  });

  it("overlays a clicked node's series on the deployment's", async () => {
    const clicked = Date.now();
    await page.click(`#node-grid .cell[data-node-id="${slow.id}"]`);
    for (const metric of METRICS) {
      const request = await pollUntil(
        async () => latestSeries(metric, clicked, slow.id),
        `a ${metric} request for ${slow.node_id}`,
        PAGE,
      );
      expect(request.url.searchParams.get('bucket')).toBe('10s');
      // The deployment's series is still asked for beside the node's.
      expect(latestSeries(metric, clicked)).toBeDefined();
      const state = await pollUntil(
        async () => {
          const s = await chartState(metric);
          return s && s.labels.length === 4 && s.points[2] > 0 ? s : null;
        },
        `${slow.node_id}'s series on the ${metric} chart`,
        PAGE,
      );
      expect(state.labels).toEqual(['mean', 'p95', `${slow.node_id} mean`, `${slow.node_id} p95`]);
      await pollUntil(
        async () => (await pixelsOf(metric, '#db2777')) > 20,
        `${slow.node_id}'s line on the ${metric} chart`,
        PAGE,
      );
    }
    expect(await page.locator('#node-grid .cell.selected').count()).toBe(1);
    expect(await text('#chart-caption')).toContain(slow.node_id);
    await shot('03-node-overlay');
  });

  it('shows a firing alert in the deployment and in the fleet badge, and its event live', async () => {
    await api()
      .post(`/deployments/${mainId}/alert-rules`)
      .send({
        name: 'slow-switch',
        threshold: 2,
        window_minutes: 5,
        for_seconds: 1,
        keep_firing_for_seconds: 600,
      })
      .expect(201);
    await pollUntil(
      async () => (await page.locator(`#alert-list li[data-node-id="${slow.id}"]`).count()) === 1,
      `a firing alert for ${slow.node_id}`,
      { ...PAGE, timeoutMs: 60_000 },
    );
    expect(await text(`#alert-list li[data-node-id="${slow.id}"]`)).toContain('slow-switch');
    // Other suites of the run may have alerts firing too: at least ours.
    await pollUntil(
      async () => Number(await page.locator('#fleet-alerts').getAttribute('data-count')) >= 1,
      'the fleet badge counting it',
      PAGE,
    );
    expect(await text('#fleet-alerts')).toMatch(/^\d+ firing alerts?$/);
    expect(await page.locator('#fleet-alerts.firing').count()).toBe(1);
    await pollUntil(
      async () => (await page.locator('#event-list li[data-type=ALERT_FIRING]').count()) >= 1,
      'ALERT_FIRING in the events panel',
      PAGE,
    );
    expect(await text('#event-list li[data-type=ALERT_FIRING]')).toContain(slow.node_id);
    await shot('04-firing-alert');
  });

  it('shows a rollout with its waves; pause, resume, then abort after a confirmation', async () => {
    // Waves: the canary, then 4 waves of 2, 20 s apart: still running when the test clicks.
    const created = await api()
      .post('/deployments')
      .send({
        name: `${NAME}-waves`,
        target_node_count: 9,
        strategy: { canary: 1, wave_size: 2, wave_pause_seconds: 20 },
      })
      .expect(201);
    const id = created.body.id as number;
    await page.goto(`${service.url}/#/deployments/${id}`);
    await pollUntil(
      async () => (await page.locator('#rollout-panel').isVisible()) === true,
      'the rollout panel',
      PAGE,
    );
    // The canary done and the next wave started.
    await pollUntil(async () => (await rolloutOf(id)).wave >= 1, 'wave 1 started', {
      ...PAGE,
      timeoutMs: 90_000,
    });
    await pollUntil(
      async () =>
        (await page.locator('#rollout-waves li').count()) === 5 &&
        (await page.locator('#rollout-waves li[data-wave-state=done]').count()) >= 1 &&
        (await page.locator('#rollout-waves li[data-wave-state=current]').count()) === 1 &&
        (await page.locator('#rollout-waves li[data-wave-state=todo]').count()) >= 1,
      'waves done, current and to come',
      PAGE,
    );
    expect(await text('#rollout-waves li[data-wave="0"]')).toContain('canary');
    expect(await text('#rollout-status')).toBe('running');
    expect(await page.isEnabled('#rollout-pause')).toBe(true);
    expect(await page.isEnabled('#rollout-resume')).toBe(false);
    expect(await page.isEnabled('#rollout-abort')).toBe(true);
    await shot('05-rollout-running');

    await page.click('#rollout-pause');
    await pollUntil(
      async () => (await rolloutOf(id)).status === 'paused',
      'the rollout paused',
      PAGE,
    );
    await pollUntil(
      async () => (await text('#rollout-status')) === 'paused',
      'paused on the page',
      PAGE,
    );
    // The deployment's own status shows the stop while nodes wait PENDING.
    await pollUntil(async () => (await text('#d-status')) === 'paused', 'deployment paused', PAGE);
    await pollUntil(async () => await page.isEnabled('#rollout-resume'), 'resume enabled', PAGE);
    expect(await page.isEnabled('#rollout-pause')).toBe(false);
    expect(await page.isEnabled('#rollout-abort')).toBe(true);
    expect(await text('#rollout-message')).toContain('paused');
    await shot('06-rollout-paused');

    await page.click('#rollout-resume');
    await pollUntil(
      async () => (await rolloutOf(id)).status === 'running',
      'the rollout resumed',
      PAGE,
    );
    await pollUntil(
      async () => await page.isEnabled('#rollout-pause'),
      'pause enabled again',
      PAGE,
    );
    expect(await page.isEnabled('#rollout-resume')).toBe(false);

    // Abort asks first; declined, nothing changes.
    const dialogs: Dialog[] = [];
    const dismiss = async (dialog: Dialog) => {
      dialogs.push(dialog);
      await dialog.dismiss();
    };
    page.once('dialog', dismiss);
    await page.click('#rollout-abort');
    await pollUntil(async () => dialogs.length === 1, 'the confirmation', PAGE);
    expect(dialogs[0].type()).toBe('confirm');
    expect(dialogs[0].message()).toMatch(/Abort this rollout/);
    expect((await rolloutOf(id)).status).toBe('running');

    page.once('dialog', (dialog) => {
      dialogs.push(dialog);
      void dialog.accept();
    });
    await page.click('#rollout-abort');
    await pollUntil(
      async () => (await rolloutOf(id)).status === 'aborted',
      'the rollout aborted',
      PAGE,
    );
    expect(dialogs).toHaveLength(2);
    await pollUntil(
      async () => (await text('#rollout-status')) === 'aborted',
      'aborted on the page',
      PAGE,
    );
    await pollUntil(
      async () => (await text('#d-status')) === 'aborted',
      'deployment aborted',
      PAGE,
    );
    await pollUntil(
      async () => (await page.locator('#rollout-waves li[data-wave-state=skipped]').count()) >= 1,
      'the waves never admitted',
      PAGE,
    );
    for (const action of ['pause', 'resume', 'abort']) {
      expect(await page.isEnabled(`#rollout-${action}`)).toBe(false);
    }
    await shot('07-rollout-aborted');
  });

  it('shows a 409 as a message when the rollout changed under the click', async () => {
    const created = await api()
      .post('/deployments')
      .send({
        name: `${NAME}-conflict`,
        target_node_count: 3,
        strategy: { canary: 1, wave_size: 1, wave_pause_seconds: 600 },
      })
      .expect(201);
    const id = created.body.id as number;
    await page.goto(`${service.url}/#/deployments/${id}`);
    await pollUntil(async () => await page.isEnabled('#rollout-abort'), 'abort enabled', PAGE);
    // Someone else aborts while the operator reads the confirmation.
    page.once('dialog', async (dialog) => {
      await api().post(`/deployments/${id}/rollout/abort`).expect(202);
      await dialog.accept();
    });
    await page.click('#rollout-abort');
    await pollUntil(
      async () => /The rollout is aborted/.test(await text('#rollout-message')),
      'the 409 as a message',
      PAGE,
    );
    await pollUntil(
      async () => (await text('#rollout-status')) === 'aborted',
      'aborted on the page',
      PAGE,
    );
    await pollUntil(
      async () => (await text('#d-status')) === 'aborted',
      'deployment aborted',
      PAGE,
    );
    expect(await page.locator('#rollout-message.bad').count()).toBe(1);
    await shot('08-rollout-conflict');
  });

  it('keeps the key and the selection across a reload, without a console or page error', async () => {
    await page.goto(`${service.url}/#/deployments/${mainId}`);
    await page.reload();
    await pollUntil(
      async () => (await page.locator('#node-grid .cell').count()) === NODES,
      'the grid after a reload',
      PAGE,
    );
    expect(await page.locator('#banner').isVisible()).toBe(false);
    expect(await page.inputValue('#api-key')).toBe(KEY);
    // The chosen range is kept too.
    expect(await page.locator('#range-switch button[data-range="15m"].active').count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});
