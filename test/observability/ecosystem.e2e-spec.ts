import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { CONFIG_DEPENDENT_VARIABLES } from '../../src/config/config-dependent-variables';
import { CONFIG_VARIABLES } from '../../src/config/config-variables';
import { deleteQueuePrefix } from '../support/queues';
import { freePort, Service, startService } from '../support/service';
import {
  isExported,
  metricNamesIn,
  parseExposition,
  PROMETHEUS_OWN_SERIES,
} from '../support/prometheus';

const ROOT = resolve(__dirname, '..', '..');
const DEPLOY = join(ROOT, 'deploy');
const read = (...path: string[]) => readFileSync(join(ROOT, ...path), 'utf8');

/** Every `expr` of a Grafana dashboard, however deep its panels are nested. */
function dashboardExprs(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(dashboardExprs);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'expr' && typeof value === 'string' ? [value] : dashboardExprs(value),
  );
}

/** The environment variables the service reads: one row each in the configuration's table. */
function configVariables(): Set<string> {
  return new Set(
    [...Object.values(CONFIG_VARIABLES), ...Object.values(CONFIG_DEPENDENT_VARIABLES)].map(
      (row) => row.env,
    ),
  );
}

interface K8sDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  resources?: string[];
}

interface Probe {
  httpGet: { path: string; port: string | number };
}

interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

function k8sDocs(): { file: string; doc: K8sDoc }[] {
  const dir = join(DEPLOY, 'k8s');
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((document) => {
        if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0].message}`);
        return { file, doc: document.toJS() as K8sDoc };
      }),
    );
}

const containersOf = (doc: K8sDoc): Container[] =>
  ((doc.spec?.template as { spec: { containers: Container[] } }).spec.containers ??
    []) as Container[];

const prefix = `${process.env.QUEUE_PREFIX}_eco`;
let app: Service;
let worker: Service;
let workerPort: number;

beforeAll(async () => {
  app = await startService({ APP_ROLE: 'all', QUEUE_PREFIX: prefix });
  workerPort = await freePort();
  worker = await startService({
    APP_ROLE: 'worker',
    QUEUE_PREFIX: prefix,
    METRICS_PORT: String(workerPort),
  });
});

afterAll(async () => {
  await worker?.stop();
  await app?.stop();
  await deleteQueuePrefix(prefix);
});

describe('Prometheus, Grafana and KEDA read only metrics the service exports', () => {
  it('every metric of the dashboard, the alerting rules and the ScaledObject is scraped from the API or a worker', async () => {
    const types = new Map([
      ...parseExposition((await app.http.get('/metrics').expect(200)).text).types,
      ...parseExposition(await (await fetch(`http://127.0.0.1:${workerPort}/metrics`)).text())
        .types,
    ]);
    const dashboard = JSON.parse(read('deploy', 'grafana', 'dashboards', 'netorch.json'));
    const rules = parse(read('deploy', 'prometheus', 'rules', 'netorch.yml')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const keda = k8sDocs().find((d) => d.doc.kind === 'ScaledObject')!.doc;
    const sources: [string, string[]][] = [
      ['dashboard', dashboardExprs(dashboard)],
      ['rules', rules.groups.flatMap((g) => g.rules.map((r) => r.expr))],
      [
        'ScaledObject',
        (keda.spec!.triggers as { metadata: { query: string } }[]).map((t) => t.metadata.query),
      ],
    ];
    const unknown: string[] = [];
    let named = 0;
    for (const [source, exprs] of sources) {
      expect({ source, exprs: exprs.length > 0 }).toEqual({ source, exprs: true });
      for (const expr of exprs) {
        for (const name of metricNamesIn(expr)) {
          named += 1;
          if (!isExported(types, name) && !PROMETHEUS_OWN_SERIES.has(name)) {
            unknown.push(`${source}: ${name} in ${expr}`);
          }
        }
      }
    }
    expect(unknown).toEqual([]);
    expect(named).toBeGreaterThan(20);
    // The panels are all there.
    const titles = JSON.stringify(dashboard.panels.map((p: { title: string }) => p.title));
    for (const title of [
      'Fleet by state',
      'Rollouts in progress',
      'Transition lateness',
      'Telemetry samples per second',
      'Bottlenecks and fabric alerts',
      'HTTP latency p95 by route',
      'Queue depths',
    ]) {
      expect(titles).toContain(title);
    }
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(alerts).toEqual(
      expect.arrayContaining([
        'NetorchNoWorkerAttached',
        'NetorchTelemetryTicksSkipped',
        'NetorchTransitionLatenessHigh',
        'NetorchFailedJobsGrowing',
      ]),
    );
  });

  it('docker compose runs Prometheus scraping the API and every worker, and Grafana provisioned from deploy/', () => {
    const compose = parse(read('docker-compose.yml')) as {
      services: Record<
        string,
        { volumes?: string[]; environment?: Record<string, string>; image?: string }
      >;
    };
    const { prometheus, grafana, worker: workerService } = compose.services;
    expect(prometheus.image).toMatch(/^prom\/prometheus:/);
    expect(grafana.image).toMatch(/^grafana\/grafana:/);
    // Every file mounted from the repository exists.
    for (const volume of [...prometheus.volumes!, ...grafana.volumes!]) {
      const source = volume.split(':')[0];
      if (source.startsWith('.'))
        expect({ volume, exists: existsSync(join(ROOT, source)) }).toEqual({
          volume,
          exists: true,
        });
    }
    const config = parse(read('deploy', 'prometheus', 'prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: {
        job_name: string;
        static_configs?: { targets: string[] }[];
        dns_sd_configs?: { names: string[]; port: number }[];
      }[];
    };
    const jobs = Object.fromEntries(config.scrape_configs.map((c) => [c.job_name, c]));
    expect(jobs['netorch-api'].static_configs![0].targets).toEqual(['api:8000']);
    const workers = jobs['netorch-worker'].dns_sd_configs![0];
    expect(workers.names).toEqual(['worker']);
    expect(String(workers.port)).toBe(workerService.environment!.METRICS_PORT);
    // The provisioned datasource is the one every panel names.
    const datasource = parse(
      read('deploy', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'),
    ) as { datasources: { uid: string; url: string }[] };
    const dashboard = read('deploy', 'grafana', 'dashboards', 'netorch.json');
    const uids = new Set([...dashboard.matchAll(/"uid": "([^"]+)"/g)].map((m) => m[1]));
    expect(uids).toEqual(new Set([datasource.datasources[0].uid, 'netorch-overview']));
    expect(datasource.datasources[0].url).toBe('http://prometheus:9090');
    let hasCompose = true;
    try {
      execFileSync('docker-compose', ['version'], { stdio: 'ignore' });
    } catch {
      hasCompose = false;
    }
    // `docker-compose config -q` is the compose file's own check, where the tool is installed.
    if (hasCompose) execFileSync('docker-compose', ['config', '-q'], { cwd: ROOT });
  });
});

describe('Kubernetes manifests', () => {
  const docs = k8sDocs();
  const variables = configVariables();
  const version = (JSON.parse(read('package.json')) as { version: string }).version;

  it('parse, and kustomize lists files that exist', () => {
    expect(docs.length).toBeGreaterThanOrEqual(9);
    for (const { file, doc } of docs) {
      expect({ file, ok: Boolean(doc.apiVersion && doc.kind) }).toEqual({ file, ok: true });
    }
    const kustomization = docs.find((d) => d.doc.kind === 'Kustomization')!.doc;
    for (const resource of kustomization.resources!) {
      expect({ resource, exists: existsSync(join(DEPLOY, 'k8s', resource)) }).toEqual({
        resource,
        exists: true,
      });
    }
  });

  it('run the one image with environment variables the service reads, resources and probes', () => {
    expect(variables.has('APP_ROLE')).toBe(true);
    expect(variables.has('METRICS_PORT')).toBe(true);
    const deployments = docs.filter((d) => d.doc.kind === 'Deployment').map((d) => d.doc);
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([
      'netorch-api',
      'netorch-worker',
    ]);
    const configMaps = docs.filter((d) => d.doc.kind === 'ConfigMap' || d.doc.kind === 'Secret');
    for (const { doc } of configMaps) {
      for (const name of Object.keys({ ...doc.data, ...doc.stringData })) {
        expect({ in: doc.metadata.name, name, known: variables.has(name) }).toEqual({
          in: doc.metadata.name,
          name,
          known: true,
        });
      }
    }
    const mapNames = new Set(configMaps.map((d) => d.doc.metadata.name));
    for (const deployment of deployments) {
      const selector = (deployment.spec!.selector as { matchLabels: Record<string, string> })
        .matchLabels;
      const labels = (deployment.spec!.template as { metadata: { labels: Record<string, string> } })
        .metadata.labels;
      expect(labels).toEqual(expect.objectContaining(selector));
      for (const container of containersOf(deployment)) {
        const where = `${deployment.metadata.name}/${container.name}`;
        expect({ where, image: container.image }).toEqual({ where, image: `netorch:${version}` });
        for (const env of container.env ?? []) {
          expect({ where, env: env.name, known: variables.has(env.name) }).toEqual({
            where,
            env: env.name,
            known: true,
          });
        }
        for (const from of container.envFrom ?? []) {
          const name = from.configMapRef?.name ?? from.secretRef?.name;
          expect({ where, from: name, defined: mapNames.has(name!) }).toEqual({
            where,
            from: name,
            defined: true,
          });
        }
        expect(container.resources?.requests?.cpu).toBeDefined();
        expect(container.resources?.requests?.memory).toBeDefined();
        expect(container.resources?.limits?.memory).toBeDefined();
        expect(container.livenessProbe).toBeDefined();
        expect(container.startupProbe).toBeDefined();
        for (const probe of [
          container.startupProbe,
          container.livenessProbe,
          container.readinessProbe,
        ]) {
          if (!probe) continue;
          const port = container.ports!.find(
            (p) => p.name === probe.httpGet.port || p.containerPort === probe.httpGet.port,
          );
          expect({ where, port: probe.httpGet.port, declared: port !== undefined }).toEqual({
            where,
            port: probe.httpGet.port,
            declared: true,
          });
        }
      }
    }
    const api = containersOf(deployments.find((d) => d.metadata.name === 'netorch-api')!)[0];
    const worker = containersOf(deployments.find((d) => d.metadata.name === 'netorch-worker')!)[0];
    const env = (c: Container, name: string) => c.env?.find((e) => e.name === name)?.value;
    expect(env(api, 'APP_ROLE')).toBe('api');
    expect(env(worker, 'APP_ROLE')).toBe('worker');
    expect(Number(env(api, 'PORT'))).toBe(api.ports![0].containerPort);
    expect(Number(env(worker, 'METRICS_PORT'))).toBe(worker.ports![0].containerPort);
  });

  it('probe paths the processes answer', async () => {
    const deployments = docs.filter((d) => d.doc.kind === 'Deployment').map((d) => d.doc);
    for (const deployment of deployments) {
      const container = containersOf(deployment)[0];
      const role = container.env!.find((e) => e.name === 'APP_ROLE')!.value;
      for (const probe of [
        container.startupProbe,
        container.livenessProbe,
        container.readinessProbe,
      ]) {
        if (!probe) continue;
        // The API's probes on the HTTP port, a worker's on its METRICS_PORT.
        const status =
          role === 'api'
            ? (await app.http.get(probe.httpGet.path)).status
            : (await fetch(`http://127.0.0.1:${workerPort}${probe.httpGet.path}`)).status;
        expect({ role, path: probe.httpGet.path, status }).toEqual({
          role,
          path: probe.httpGet.path,
          status: 200,
        });
      }
    }
  });

  it('keep disruptions and autoscaling within what PostgreSQL allows', () => {
    const byKind = (kind: string) => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
    const deployments = byKind('Deployment');
    const labelsOf = (d: K8sDoc) =>
      (d.spec!.template as { metadata: { labels: Record<string, string> } }).metadata.labels;
    const budgets = byKind('PodDisruptionBudget');
    expect(budgets.length).toBe(2);
    for (const budget of budgets) {
      const selector = (budget.spec!.selector as { matchLabels: Record<string, string> })
        .matchLabels;
      const matched = deployments.filter((d) =>
        Object.entries(selector).every(([k, v]) => labelsOf(d)[k] === v),
      );
      expect({ budget: budget.metadata.name, matched: matched.length }).toEqual({
        budget: budget.metadata.name,
        matched: 1,
      });
    }
    const scaled = byKind('ScaledObject')[0];
    expect((scaled.spec!.scaleTargetRef as { name: string }).name).toBe('netorch-worker');
    // Every pod holds DB_POOL_SIZE connections and 3 more while it migrates; PostgreSQL's
    // max_connections is 200 (197 for the service).
    const pool = Number(byKind('ConfigMap')[0].data!.DB_POOL_SIZE);
    const apiReplicas = deployments.find((d) => d.metadata.name === 'netorch-api')!.spec!
      .replicas as number;
    const maxWorkers = scaled.spec!.maxReplicaCount as number;
    expect((apiReplicas + maxWorkers) * (pool + 3)).toBeLessThanOrEqual(197);
  });
});
