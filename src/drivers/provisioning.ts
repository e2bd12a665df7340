import { NodeState } from '../domain/node-state';

/**
 * A deployment's `provisioning`: which driver moves its nodes through PROVISIONING and
 * CONFIGURING. Pure checks only; the playbook paths are checked against the disk apart
 * (ansible-paths.ts) and the url against the outbound address rules by the service.
 */

export const DRIVERS = ['simulator', 'ansible', 'http'] as const;
export type DriverName = (typeof DRIVERS)[number];

/** The two phases of a node: `provision` on entering PROVISIONING, `configure` on CONFIGURING. */
export type DriverPhase = 'provision' | 'configure';

export const ENTERING_STATE: Record<DriverPhase, NodeState> = {
  provision: NodeState.PROVISIONING,
  configure: NodeState.CONFIGURING,
};

export const BATCH_SIZE = Object.freeze({ min: 1, max: 1000, default: 50 });
export const TIMEOUT_SECONDS = Object.freeze({ min: 10, max: 86_400, default: 1800 });
export const FORKS = Object.freeze({ min: 1, max: 500 });
/** Most bytes of extra_vars and of the headers, as JSON. */
const MAX_JSON_BYTES = 16 * 1024;

interface Common {
  batch_size: number;
  timeout_seconds: number;
}

export interface SimulatorConfig extends Common {
  driver: 'simulator';
}

export interface AnsibleConfig extends Common {
  driver: 'ansible';
  playbooks: { provision?: string; configure?: string };
  extra_vars?: Record<string, unknown>;
  /** An ssh credential's id (/credentials): the login Ansible uses on the nodes. */
  credential?: number;
  forks?: number;
}

export interface HttpConfig extends Common {
  driver: 'http';
  url: string;
  cancel_url?: string;
  headers?: Record<string, string>;
  /** An http-secret credential's id (/credentials): the secret that signs the POSTs. */
  credential?: number;
}

export type ProvisioningConfig = SimulatorConfig | AnsibleConfig | HttpConfig;

/** Thrown for a provisioning that does not fit; the message names the field (a 422). */
export class ProvisioningProblem extends Error {}

const FIELDS: Record<DriverName, string[]> = {
  simulator: ['driver', 'batch_size', 'timeout_seconds'],
  ansible: [
    'driver',
    'batch_size',
    'timeout_seconds',
    'playbooks',
    'extra_vars',
    'credential',
    'forks',
  ],
  http: ['driver', 'batch_size', 'timeout_seconds', 'url', 'cancel_url', 'headers', 'credential'],
};

/** Headers netorch sets itself, which a deployment's `headers` may not replace. */
const RESERVED_HEADERS = /^(content-type|content-length|host|webhook-(id|timestamp|signature))$/i;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function intIn(value: unknown, range: { min: number; max: number }, field: string): number {
  if (!Number.isInteger(value) || (value as number) < range.min || (value as number) > range.max) {
    throw new ProvisioningProblem(
      `provisioning.${field} must be an integer from ${range.min} to ${range.max}`,
    );
  }
  return value as number;
}

function str(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new ProvisioningProblem(
      `provisioning.${field} must be a string of 1 to ${max} characters`,
    );
  }
  return value;
}

function smallJson(value: unknown, field: string): Record<string, unknown> {
  if (!isObject(value)) throw new ProvisioningProblem(`provisioning.${field} must be an object`);
  if (Buffer.byteLength(JSON.stringify(value)) > MAX_JSON_BYTES) {
    throw new ProvisioningProblem(`provisioning.${field} must be at most 16 KiB as JSON`);
  }
  return value;
}

/** The full provisioning from a request's object, defaults filled in; throws ProvisioningProblem. */
export function normalizeProvisioning(input: unknown): ProvisioningConfig {
  if (!isObject(input)) throw new ProvisioningProblem('provisioning must be an object');
  const driver = input.driver ?? 'simulator';
  if (!DRIVERS.includes(driver as DriverName)) {
    throw new ProvisioningProblem(`provisioning.driver must be one of ${DRIVERS.join(', ')}`);
  }
  const name = driver as DriverName;
  const unknown = Object.keys(input).filter((k) => !FIELDS[name].includes(k));
  if (unknown.length > 0) {
    throw new ProvisioningProblem(
      `provisioning has fields the ${name} driver does not take: ${unknown.join(', ')}`,
    );
  }
  const common: Common = {
    batch_size: intIn(input.batch_size ?? BATCH_SIZE.default, BATCH_SIZE, 'batch_size'),
    timeout_seconds: intIn(
      input.timeout_seconds ?? TIMEOUT_SECONDS.default,
      TIMEOUT_SECONDS,
      'timeout_seconds',
    ),
  };
  if (name === 'simulator') return { driver: 'simulator', ...common };
  if (name === 'ansible') return { driver: 'ansible', ...common, ...ansibleFields(input) };
  return { driver: 'http', ...common, ...httpFields(input) };
}

function ansibleFields(
  input: Record<string, unknown>,
): Omit<AnsibleConfig, keyof Common | 'driver'> {
  const playbooks = input.playbooks;
  if (!isObject(playbooks)) {
    throw new ProvisioningProblem(
      'provisioning.playbooks must be an object {provision?, configure}',
    );
  }
  const extra = Object.keys(playbooks).filter((k) => k !== 'provision' && k !== 'configure');
  if (extra.length > 0) {
    throw new ProvisioningProblem(
      `provisioning.playbooks takes provision and configure only, not ${extra.join(', ')}`,
    );
  }
  const out: Omit<AnsibleConfig, keyof Common | 'driver'> = {
    playbooks: { configure: str(playbooks.configure, 'playbooks.configure', 1024) },
  };
  if (playbooks.provision !== undefined) {
    out.playbooks.provision = str(playbooks.provision, 'playbooks.provision', 1024);
  }
  if (input.extra_vars !== undefined) out.extra_vars = smallJson(input.extra_vars, 'extra_vars');
  if (input.credential !== undefined) out.credential = credentialId(input.credential);
  if (input.forks !== undefined) out.forks = intIn(input.forks, FORKS, 'forks');
  return out;
}

function httpFields(input: Record<string, unknown>): Omit<HttpConfig, keyof Common | 'driver'> {
  const out: Omit<HttpConfig, keyof Common | 'driver'> = { url: str(input.url, 'url', 2048) };
  if (input.cancel_url !== undefined) out.cancel_url = str(input.cancel_url, 'cancel_url', 2048);
  if (input.credential !== undefined) out.credential = credentialId(input.credential);
  if (input.headers !== undefined) {
    const headers = smallJson(input.headers, 'headers');
    for (const [key, value] of Object.entries(headers)) {
      if (!/^[A-Za-z0-9-]{1,64}$/.test(key) || RESERVED_HEADERS.test(key)) {
        throw new ProvisioningProblem(`provisioning.headers may not set ${JSON.stringify(key)}`);
      }
      if (typeof value !== 'string' || /[\r\n]/.test(value)) {
        throw new ProvisioningProblem(`provisioning.headers.${key} must be a one-line string`);
      }
    }
    out.headers = headers as Record<string, string>;
  }
  return out;
}

/** A credential's id: a positive integer (its kind is checked against /credentials apart). */
function credentialId(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 2_147_483_647) {
    throw new ProvisioningProblem('provisioning.credential must be the id of a credential');
  }
  return value;
}

/** The credential kinds a driver takes, for the deployment's `driver` credential use. */
export function credentialKinds(config: ProvisioningConfig): ('ssh' | 'http-secret')[] {
  return config.driver === 'ansible' ? ['ssh'] : config.driver === 'http' ? ['http-secret'] : [];
}

/** The provisioning as responses show it (it holds no secret: credentials are named by id). */
export function provisioningView(config: ProvisioningConfig | null): Record<string, unknown> {
  if (config === null)
    return normalizeProvisioning({ driver: 'simulator' }) as unknown as Record<string, unknown>;
  return { ...config };
}
