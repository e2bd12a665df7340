import type { Service } from './service';

export interface CreatedDeployment {
  id: number;
  name: string;
  description: string | null;
  target_node_count: number;
  created_at: string;
  updated_at: string;
}

/** POST /deployments and expect 201. */
export async function createDeployment(
  service: Service,
  body: Record<string, unknown> = {},
): Promise<CreatedDeployment> {
  const res = await service.http
    .post('/deployments')
    .send({ name: 'fabric', target_node_count: 5, ...body })
    .expect(201);
  return res.body as CreatedDeployment;
}

export interface NodeRow {
  id: number;
  node_id: string;
  state: string;
  hostname: string;
  ip_address: string | null;
}

export async function listNodes(service: Service, deploymentId: number): Promise<NodeRow[]> {
  const res = await service.http.get(`/deployments/${deploymentId}/nodes`).expect(200);
  return res.body.nodes as NodeRow[];
}

/** The error body every failure carries. */
export function expectError(body: unknown, status: number, detail?: RegExp): void {
  expect(body).toEqual({
    status_code: status,
    error: expect.any(String),
    detail: expect.any(String),
  });
  if (detail) expect((body as { detail: string }).detail).toMatch(detail);
}
