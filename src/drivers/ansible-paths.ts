import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { AnsibleConfig, ProvisioningProblem } from './provisioning';

/**
 * Where a playbook named relative to ANSIBLE_PROJECT_DIR really is: refused (ProvisioningProblem)
 * when the name is absolute, climbs out with `..`, or resolves through a symlink to a file
 * outside the directory, and when no such file exists.
 */
export function playbookPath(projectDir: string, name: string, field: string): string {
  if (isAbsolute(name) || name.split(/[\\/]/).includes('..') || name.includes('\0')) {
    throw new ProvisioningProblem(
      `provisioning.${field} must be a path inside ANSIBLE_PROJECT_DIR (no absolute path, no ..)`,
    );
  }
  const root = realpathSync(projectDir);
  let real: string;
  try {
    real = realpathSync(resolve(root, name));
  } catch {
    throw new ProvisioningProblem(
      `provisioning.${field}: no playbook ${name} in ANSIBLE_PROJECT_DIR`,
    );
  }
  const inside = relative(root, real);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    throw new ProvisioningProblem(
      `provisioning.${field} leaves ANSIBLE_PROJECT_DIR (through a symlink); refused`,
    );
  }
  if (!statSync(real).isFile()) {
    throw new ProvisioningProblem(`provisioning.${field}: ${name} is not a file`);
  }
  return join(root, inside);
}

/** Checks every playbook of an ansible provisioning; throws ProvisioningProblem. */
export function checkPlaybooks(projectDir: string | undefined, config: AnsibleConfig): void {
  if (!projectDir) {
    throw new ProvisioningProblem(
      'the ansible driver is not enabled on this server (ANSIBLE_PROJECT_DIR is not set)',
    );
  }
  for (const phase of ['provision', 'configure'] as const) {
    const name = config.playbooks[phase];
    if (name !== undefined) playbookPath(projectDir, name, `playbooks.${phase}`);
  }
}
