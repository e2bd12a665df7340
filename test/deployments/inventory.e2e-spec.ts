import { Pool } from 'pg';
import { testPool } from '../support/database';
import { expectError } from '../support/errors';
import { pollUntil } from '../support/poll';
import { Service, startService } from '../support/service';

let svc: Service;
let db: Pool;
const created: number[] = [];

beforeAll(async () => {
  db = testPool();
  svc = await startService({ SIM_TIME_SCALE: '0.02', SIM_FAILURE_RATE: '0' });
});

afterAll(async () => {
  for (const id of created) await svc?.http.delete(`/deployments/${id}`);
  await svc?.stop();
  await db?.end();
});

async function post(body: Record<string, unknown>) {
  const res = await svc.http
    .post('/deployments')
    .send({ name: `inventory-${Date.now()}`, ...body });
  if (res.status === 201) created.push(res.body.id);
  return res;
}

const deploymentCount = async () =>
  (await db.query(`SELECT count(*)::int AS n FROM deployments`)).rows[0].n as number;

const fabric = [
  { hostname: 'leaf-a', management_address: '192.0.2.21', role: 'leaf', vars: { asn: 65101 } },
  { hostname: 'spine-1', management_address: '2001:db8::1', role: 'spine' },
  { hostname: 'border-1', management_address: '192.0.2.31', role: 'border-leaf' },
  { hostname: 'spine-2', management_address: '2001:db8::2', role: 'spine' },
];

describe('POST /deployments with an inventory', () => {
  it('numbers spines, border leaves, then leaves; keeps addresses (IPv6 too) and vars through the lifecycle', async () => {
    const res = await post({ nodes: fabric, target_node_count: 4 });
    expect(res.status).toBe(201);
    expect(res.body.target_node_count).toBe(4);
    const id = res.body.id;
    const nodes = (await svc.http.get(`/deployments/${id}/nodes`).expect(200)).body.nodes;
    expect(
      nodes.map((n: Record<string, unknown>) => [
        n.node_id,
        n.hostname,
        n.role,
        n.management_address,
        n.vars,
      ]),
    ).toEqual([
      ['node-001', 'spine-1', 'spine', '2001:db8::1', {}],
      ['node-002', 'spine-2', 'spine', '2001:db8::2', {}],
      ['node-003', 'border-1', 'border-leaf', '192.0.2.31', {}],
      ['node-004', 'leaf-a', 'leaf', '192.0.2.21', { asn: 65101 }],
    ]);
    // No links given: the spine-leaf mesh, as a generated fabric gets.
    const links = (await svc.http.get(`/deployments/${id}/links`).expect(200)).body;
    expect(links.total).toBe(4);
    // The lifecycle keeps a given address (it assigns 10.x only to generated nodes).
    await pollUntil(
      async () => {
        const d = (await svc.http.get(`/deployments/${id}`).expect(200)).body;
        return d.state_counts.RUNNING === 4 || undefined;
      },
      'every node RUNNING',
      { timeoutMs: 90_000 },
    );
    const after = (await svc.http.get(`/deployments/${id}/nodes`).expect(200)).body.nodes;
    expect(after.map((n: { management_address: string }) => n.management_address)).toEqual([
      '2001:db8::1',
      '2001:db8::2',
      '192.0.2.31',
      '192.0.2.21',
    ]);
  });

  it('stores the links given, with their interface names, spine on side a', async () => {
    const res = await post({
      nodes: fabric.slice(0, 2),
      links: [{ a: 'leaf-a', a_interface: 'swp51', b: 'spine-1', b_interface: 'et-0/0/1' }],
    });
    expect(res.status).toBe(201);
    const nodes = (await svc.http.get(`/deployments/${res.body.id}/nodes`)).body.nodes;
    const links = (await svc.http.get(`/deployments/${res.body.id}/links`)).body.links;
    expect(links).toEqual([
      {
        id: expect.any(Number),
        a_node_id: nodes[0].id,
        a_interface: 'et-0/0/1',
        b_node_id: nodes[1].id,
        b_interface: 'swp51',
      },
    ]);
  });

  it('all leaves without links: a deployment without a topology', async () => {
    const res = await post({
      nodes: [
        { hostname: 'tor_1', management_address: '198.51.100.1' },
        { hostname: 'tor.2', management_address: '198.51.100.2' },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.topology ?? null).toBeNull();
    const grown = await svc.http
      .post(`/deployments/${res.body.id}/nodes`)
      .send({ nodes: [{ hostname: 'x', management_address: '198.51.100.3', role: 'spine' }] });
    expectError(grown.body, 422, /role must be leaf/);
  });

  it.each([
    [
      'duplicates, by index',
      {
        nodes: [
          { hostname: 'a', management_address: '2001:db8::1' },
          { hostname: 'b', management_address: '2001:DB8:0:0::1' },
          { hostname: 'a', management_address: '192.0.2.3' },
        ],
      },
      'nodes[2].hostname "a" duplicates nodes[0]; nodes[1].management_address "2001:db8::1" duplicates nodes[0]',
    ],
    [
      'bad entries, by index',
      {
        nodes: [
          { hostname: 'ok', management_address: '192.0.2.1' },
          { hostname: 'bad host!', management_address: '192.0.2.300', role: 'core' },
          { hostname: 'x'.repeat(64), management_address: 'fe80::1', vars: [1] },
        ],
      },
      /nodes\[1\]\.hostname must be 1-63 .*nodes\[1\]\.management_address must be an IPv4 or IPv6 address.*nodes\[1\]\.role must be one of.*nodes\[2\]\.hostname must be 1-63.*nodes\[2\]\.vars must be a JSON object of at most 4096 bytes/,
    ],
    [
      'vars over 4 KiB',
      {
        nodes: [
          { hostname: 'a', management_address: '192.0.2.1', vars: { blob: 'x'.repeat(4090) } },
        ],
      },
      /nodes\[0\]\.vars must be a JSON object of at most 4096 bytes/,
    ],
    [
      'unknown link host names',
      {
        nodes: fabric.slice(0, 2),
        links: [{ a: 'spine-1', a_interface: 'e1', b: 'leaf-z', b_interface: 'e49' }],
      },
      'links[0].b "leaf-z" is not a hostname of nodes',
    ],
    [
      'an interface used twice',
      {
        nodes: fabric,
        links: [
          { a: 'spine-1', a_interface: 'e1', b: 'leaf-a', b_interface: 'e49' },
          { a: 'spine-2', a_interface: 'e1', b: 'leaf-a', b_interface: 'e49' },
        ],
      },
      'links[1].b_interface: leaf-a e49 is already used by links[0]',
    ],
    [
      'a disagreeing target_node_count',
      { nodes: fabric, target_node_count: 5 },
      'target_node_count (5) and nodes (4 entries) differ; leave target_node_count out or make them equal',
    ],
    ['links without nodes', { target_node_count: 2, links: [] }, 'links need nodes: give both'],
    [
      'nodes and a topology',
      { nodes: fabric, topology: { spines: 1, leaves: 1 } },
      'give nodes or topology, not both',
    ],
  ])('422 for %s, creating nothing', async (_, body, detail) => {
    const before = await deploymentCount();
    const res = await post(body);
    expect(res.status).toBe(422);
    expectError(res.body, 422, typeof detail === 'string' ? undefined : detail);
    if (typeof detail === 'string') expect(res.body.detail).toBe(detail);
    expect(await deploymentCount()).toBe(before);
  });

  it('target_node_count alone still generates switch-<id>-<n> nodes with 10.x addresses', async () => {
    const res = await post({ target_node_count: 3 });
    expect(res.status).toBe(201);
    const id = res.body.id;
    const nodes = await pollUntil(async () => {
      const list = (await svc.http.get(`/deployments/${id}/nodes`)).body.nodes;
      return list.every((n: { management_address: string | null }) => n.management_address) && list;
    }, 'addresses assigned at provisioning');
    expect(nodes.map((n: { hostname: string }) => n.hostname)).toEqual([
      `switch-${id}-001`,
      `switch-${id}-002`,
      `switch-${id}-003`,
    ]);
    for (const n of nodes) {
      expect(n.management_address).toMatch(/^10\.\d+\.\d+\.\d+$/);
      expect(n.ip_address).toBe(n.management_address);
      expect(n.vars).toEqual({});
    }
  });
});
