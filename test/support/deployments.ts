import type { Service } from './service';

export interface CreatedDeployment {
  id: number;
  name: string;
  description: string | null;
  target_node_count: number;
  created_at: string;
  updated_at: string;
}

/**
 * POST /deployments and expect 201; named 'fabric', and five nodes unless the body says otherwise
 * (a topology sets the count itself). `apiKey` is sent as X-API-Key when the service checks keys.
 */
export async function createDeployment(
  service: Service,
  body: Record<string, unknown> = {},
  apiKey?: string,
): Promise<CreatedDeployment> {
  const request = service.http.post('/deployments');
  if (apiKey) request.set('X-API-Key', apiKey);
  const res = await request
    .send({ name: 'fabric', ...(body.topology ? {} : { target_node_count: 5 }), ...body })
    .expect(201);
  return res.body as CreatedDeployment;
}

export interface NodeRow {
  id: number;
  node_id: string;
  state: string;
  hostname: string;
  ip_address: string | null;
  role: string;
}

export async function listNodes(service: Service, deploymentId: number): Promise<NodeRow[]> {
  const res = await service.http.get(`/deployments/${deploymentId}/nodes`).expect(200);
  return res.body.nodes as NodeRow[];
}

/** A deployment (a topology in the body makes it a leaf-spine fabric) with its nodes. */
export async function createFabric(
  service: Service,
  body: Record<string, unknown> = {},
): Promise<{ id: number; deployment: CreatedDeployment; nodes: NodeRow[] }> {
  const deployment = await createDeployment(service, body);
  return { id: deployment.id, deployment, nodes: await listNodes(service, deployment.id) };
}
