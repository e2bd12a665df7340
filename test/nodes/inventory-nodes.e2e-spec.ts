import { expectError } from '../support/errors';
import { Service, startService } from '../support/service';

let svc: Service;
const created: number[] = [];

beforeAll(async () => {
  svc = await startService({ APP_ROLE: 'api' });
});

afterAll(async () => {
  for (const id of created) await svc?.http.delete(`/deployments/${id}`);
  await svc?.stop();
});

async function inventoryFabric(): Promise<number> {
  const res = await svc.http
    .post('/deployments')
    .send({
      name: `grow-${Date.now()}`,
      nodes: [
        { hostname: 'spine-1', management_address: '192.0.2.1', role: 'spine' },
        { hostname: 'leaf-1', management_address: '192.0.2.11', role: 'leaf' },
      ],
    })
    .expect(201);
  created.push(res.body.id);
  return res.body.id;
}

describe('grow and change an inventory', () => {
  it('grows with the nodes form: new spines and leaves get the mesh, numbered after the others', async () => {
    const id = await inventoryFabric();
    const res = await svc.http
      .post(`/deployments/${id}/nodes`)
      .send({
        nodes: [
          { hostname: 'leaf-2', management_address: 'fd00::12', vars: { rack: 'r2' } },
          { hostname: 'spine-2', management_address: '192.0.2.2', role: 'spine' },
        ],
      })
      .expect(201);
    expect(res.body.target_node_count).toBe(4);
    expect(
      res.body.nodes.map((n: Record<string, unknown>) => [
        n.node_id,
        n.hostname,
        n.role,
        n.management_address,
        n.vars,
      ]),
    ).toEqual([
      ['node-003', 'spine-2', 'spine', '192.0.2.2', {}],
      ['node-004', 'leaf-2', 'leaf', 'fd00::12', { rack: 'r2' }],
    ]);
    // 2 spines x 2 leaves.
    expect((await svc.http.get(`/deployments/${id}/links`)).body.total).toBe(4);
    // count-based growth still works on the same deployment.
    await svc.http.post(`/deployments/${id}/nodes`).send({ count: 1, role: 'leaf' }).expect(201);
  });

  it('422 for host names or addresses the deployment already has, by index, adding nothing', async () => {
    const id = await inventoryFabric();
    const res = await svc.http.post(`/deployments/${id}/nodes`).send({
      nodes: [
        { hostname: 'leaf-9', management_address: '192.0.2.99' },
        { hostname: 'leaf-1', management_address: '192.0.2.1' },
      ],
    });
    expectError(res.body, 422);
    expect(res.body.detail).toBe(
      `nodes[1].hostname "leaf-1" is already node-002's; nodes[1].management_address "192.0.2.1" is already node-001's`,
    );
    expect((await svc.http.get(`/deployments/${id}/nodes`)).body.total).toBe(2);
    const bad = await svc.http
      .post(`/deployments/${id}/nodes`)
      .send({ nodes: [{ hostname: 'ok', management_address: 'nope' }] });
    expectError(bad.body, 422, /nodes\[0\]\.management_address must be an IPv4 or IPv6 address/);
  });

  it('PATCH changes management_address and vars, refusing an address another node has', async () => {
    const id = await inventoryFabric();
    const patched = await svc.http
      .patch(`/deployments/${id}/nodes/node-002`)
      .send({ management_address: '2001:DB8::0:11', vars: { asn: 65111 } })
      .expect(200);
    expect(patched.body).toMatchObject({
      hostname: 'leaf-1',
      management_address: '2001:db8::11',
      vars: { asn: 65111 },
    });
    const cleared = await svc.http
      .patch(`/deployments/${id}/nodes/node-002`)
      .send({ vars: null })
      .expect(200);
    expect(cleared.body).toMatchObject({ management_address: '2001:db8::11', vars: {} });
    const taken = await svc.http
      .patch(`/deployments/${id}/nodes/node-002`)
      .send({ management_address: '192.0.2.1' });
    expectError(taken.body, 422, /management_address "192.0.2.1" is already node-001's/);
    const big = await svc.http
      .patch(`/deployments/${id}/nodes/node-002`)
      .send({ vars: { blob: 'x'.repeat(5000) } });
    expectError(big.body, 422, /vars must be a JSON object of at most 4096 bytes/);
    const empty = await svc.http.patch(`/deployments/${id}/nodes/node-002`).send({});
    expectError(empty.body, 422, /Send at least one of hostname, management_address, vars/);
    const node = (await svc.http.get(`/deployments/${id}/nodes/node-002`)).body;
    expect(node).toMatchObject({ management_address: '2001:db8::11', vars: {} });
  });
});
