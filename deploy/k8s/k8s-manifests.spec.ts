import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

interface Manifest {
  file: string;
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
}

type PodSpec = {
  automountServiceAccountToken?: boolean;
  securityContext?: { seccompProfile?: { type?: string } };
  containers: { ports?: { containerPort: number }[] }[];
};
type Port = { protocol?: string; port?: number };
type Rule = { ports?: Port[]; to?: { ipBlock?: { cidr: string; except?: string[] } }[] };
type Policy = {
  podSelector: { matchLabels: Record<string, string> };
  policyTypes: string[];
  ingress: Rule[];
  egress: Rule[];
};

const DIR = __dirname;
const manifests: Manifest[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
      return { file, ...(doc.toJS() as Omit<Manifest, 'file'>) };
    }),
  );

/** Every pod template, whatever the kind that holds it. */
function podSpecs(): { name: string; pod: PodSpec; labels: Record<string, string> }[] {
  return manifests.flatMap((m) => {
    const template =
      (m.spec?.jobTemplate as { spec: Record<string, unknown> } | undefined)?.spec?.template ??
      m.spec?.template;
    if (m.kind === 'Pod') return [{ name: m.metadata.name, pod: m.spec as PodSpec, labels: {} }];
    if (!template) return [];
    const t = template as { metadata: { labels: Record<string, string> }; spec: PodSpec };
    return [{ name: m.metadata.name, pod: t.spec, labels: t.metadata.labels }];
  });
}

const policies = () =>
  manifests.filter((m) => m.kind === 'NetworkPolicy').map((m) => m.spec as unknown as Policy);

const ports = (rule: Rule) => (rule.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${p.port}`);

describe('Kubernetes manifests', () => {
  it('has pods to check, and every manifest is listed in the kustomization', () => {
    expect(podSpecs().map((p) => p.name)).toEqual(
      expect.arrayContaining(['netorch-api', 'netorch-worker']),
    );
    const kustomization = manifests.find((m) => m.kind === 'Kustomization') as unknown as {
      resources: string[];
    };
    const files = new Set(manifests.map((m) => m.file));
    files.delete('kustomization.yaml');
    files.delete('secret.example.yaml');
    expect([...files].sort()).toEqual([...kustomization.resources].sort());
  });

  it.each(podSpecs().map((p) => [p.name, p.pod] as const))(
    '%s mounts no service account token and runs under the RuntimeDefault seccomp profile',
    (_name, pod) => {
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
    },
  );

  it.each(podSpecs().map((p) => [p.name, p] as const))(
    '%s is selected by a NetworkPolicy that lets in its own port only',
    (_name, { pod, labels }) => {
      const mine = policies().filter((p) =>
        Object.entries(p.podSelector.matchLabels).every(([k, v]) => labels[k] === v),
      );
      expect(mine).toHaveLength(1);
      const [policy] = mine;
      expect([...policy.policyTypes].sort()).toEqual(['Egress', 'Ingress']);
      const served = pod.containers.flatMap((c) => c.ports ?? []).map((p) => p.containerPort);
      for (const rule of policy.ingress) {
        expect(rule.ports?.length).toBeGreaterThan(0);
        for (const port of rule.ports!) expect(served).toContain(port.port);
      }
    },
  );

  it.each(policies().map((p) => [p.podSelector.matchLabels['app.kubernetes.io/name'], p] as const))(
    '%s lets out PostgreSQL, Redis, DNS and notifications outside the cluster, nothing else',
    (_name, policy) => {
      const allowed = policy.egress.flatMap(ports).sort();
      expect(allowed).toEqual(
        ['TCP/5432', 'TCP/6379', 'UDP/53', 'TCP/53', 'TCP/443', 'TCP/80'].sort(),
      );
      for (const rule of policy.egress) {
        expect(rule.ports?.length).toBeGreaterThan(0);
      }
      const web = policy.egress.find((r) => ports(r).includes('TCP/443'))!;
      expect(ports(web).sort()).toEqual(['TCP/443', 'TCP/80']);
      // Outside the cluster: the private ranges a cluster's pods and services live in are left out.
      expect(web.to).toEqual([
        {
          ipBlock: {
            cidr: '0.0.0.0/0',
            except: expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']),
          },
        },
      ]);
    },
  );
});
