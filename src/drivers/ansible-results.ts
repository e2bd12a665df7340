import { NodeResult } from './driver-runs.repository';

/** The parts of the ansible.posix.json callback's output that the verdicts are read from. */
interface AnsibleJson {
  plays?: {
    tasks?: {
      task?: { name?: string };
      hosts?: Record<string, { failed?: boolean; unreachable?: boolean; msg?: unknown }>;
    }[];
  }[];
  stats?: Record<string, { failures?: number; unreachable?: number }>;
}

/** Inventory host names of a run's nodes: `n<id>`, so any hostname a node has is safe. */
export function inventoryName(nodeId: number): string {
  return `n${nodeId}`;
}

/**
 * Each node's verdict from Ansible's own structured output: a host the recap counts a failure
 * or unreachable for failed (with the failing task and its message), any other host in the
 * recap succeeded, and a host missing from it (the playbook never reached it) failed.
 */
export function ansibleVerdicts(output: AnsibleJson, nodeIds: number[]): NodeResult[] {
  const firstProblem = new Map<string, string>();
  for (const play of output.plays ?? []) {
    for (const task of play.tasks ?? []) {
      for (const [host, result] of Object.entries(task.hosts ?? {})) {
        if (firstProblem.has(host) || !(result.failed || result.unreachable)) continue;
        const what = result.unreachable ? 'unreachable' : 'failed';
        const msg = typeof result.msg === 'string' ? result.msg : JSON.stringify(result.msg ?? '');
        firstProblem.set(
          host,
          `${what} at task "${task.task?.name ?? '?'}": ${msg}`.slice(0, 2000),
        );
      }
    }
  }
  return nodeIds.map((id) => {
    const host = inventoryName(id);
    const stats = output.stats?.[host];
    if (!stats) {
      return {
        node_id: id,
        status: 'failed',
        message: 'not in the playbook recap (never reached)',
      };
    }
    if ((stats.failures ?? 0) > 0 || (stats.unreachable ?? 0) > 0) {
      return { node_id: id, status: 'failed', message: firstProblem.get(host) ?? 'failed' };
    }
    return { node_id: id, status: 'succeeded', message: null };
  });
}

/** The JSON document in the playbook's stdout (the callback prints one; warnings may precede). */
export function parseAnsibleOutput(stdout: string): AnsibleJson | null {
  const start = stdout.indexOf('{');
  if (start < 0) return null;
  try {
    return JSON.parse(stdout.slice(start)) as AnsibleJson;
  } catch {
    return null;
  }
}
