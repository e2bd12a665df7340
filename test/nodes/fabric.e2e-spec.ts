import { Pool } from 'pg';
import { cleanUp, startWithPool } from '../support/suite';
import { expectError } from '../support/errors';
import { NodeRow } from '../support/deployments';
import { Service } from '../support/service';

let api: Service;
let db: Pool;
// Other suites share the database: our deployments carry a name nobody else uses.
const NAME = `fabric-${process.pid}-${Date.now().toString(36)}`;
// Wake-ups of this suite's rollouts go to queues of its own.
const PREFIX = `${process.env.QUEUE_PREFIX}_fabric`;

beforeAll(async () => {
  ({ api, db } = await startWithPool({ QUEUE_PREFIX: PREFIX }));
});

afterAll(() => cleanUp({ service: api, db, name: NAME, prefix: PREFIX }));

interface Link {
  id: number;
  a_node_id: number;
  a_interface: string;
  b_node_id: number;
  b_interface: string;
}

async function create(topology: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const res = await api.http
    .post('/deployments')
    .send({ name: NAME, topology, ...extra })
    .expect(201);
  return res.body as { id: number; target_node_count: number; topology: Record<string, number> };
}

async function nodesOf(id: number, query = ''): Promise<NodeRow[]> {
  return (await api.http.get(`/deployments/${id}/nodes${query}`).expect(200)).body.nodes;
}

async function linksOf(id: number, query = ''): Promise<{ links: Link[]; total: number }> {
  return (await api.http.get(`/deployments/${id}/links${query}`).expect(200)).body;
}

/**
 * The fabric's links are exactly one per (spine, leaf or border leaf) pair, with interface
 * names unique per node, and the links table agrees with the API.
 */
async function expectFullMesh(id: number) {
  const nodes = await nodesOf(id);
  const { links, total } = await linksOf(id, '?limit=10000');
  const spines = nodes.filter((n) => n.role === 'spine').map((n) => n.id);
  const leaves = nodes.filter((n) => n.role !== 'spine').map((n) => n.id);
  expect(total).toBe(links.length);
  expect(total).toBe(spines.length * leaves.length);
  const pairs = new Set(links.map((l) => `${l.a_node_id}-${l.b_node_id}`));
  expect(pairs.size).toBe(links.length);
  for (const s of spines) for (const l of leaves) expect(pairs.has(`${s}-${l}`)).toBe(true);
  const ports = new Set<string>();
  for (const l of links) {
    expect(l.a_interface).toMatch(/^Ethernet1\/\d+$/);
    expect(l.b_interface).toMatch(/^Ethernet1\/\d+$/);
    ports.add(`${l.a_node_id}:${l.a_interface}`);
    ports.add(`${l.b_node_id}:${l.b_interface}`);
  }
  expect(ports.size).toBe(2 * links.length);
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM links l WHERE deployment_id = $1
       AND NOT EXISTS (SELECT 1 FROM nodes WHERE id = l.a_node_id AND role = 'spine')`,
    [id],
  );
  expect(rows[0].n).toBe(0);
  return { nodes, links, spines, leaves };
}

describe('creating a fabric', () => {
  it('numbers spines, then border leaves, then leaves, with role host names and every link', async () => {
    const d = await create({ spines: 4, leaves: 28, border_leaves: 2 });
    expect(d.target_node_count).toBe(34);
    expect(d.topology).toEqual({ spines: 4, leaves: 28, border_leaves: 2 });
    const detail = await api.http.get(`/deployments/${d.id}`).expect(200);
    expect(detail.body.topology).toEqual({ spines: 4, leaves: 28, border_leaves: 2 });
    expect(detail.body.current_node_count).toBe(34);

    const { nodes, links } = await expectFullMesh(d.id);
    expect(nodes.map((n) => [n.node_id, n.role, n.hostname]).slice(0, 7)).toEqual([
      ['node-001', 'spine', 'spine-01'],
      ['node-002', 'spine', 'spine-02'],
      ['node-003', 'spine', 'spine-03'],
      ['node-004', 'spine', 'spine-04'],
      ['node-005', 'border-leaf', 'border-leaf-01'],
      ['node-006', 'border-leaf', 'border-leaf-02'],
      ['node-007', 'leaf', 'leaf-001'],
    ]);
    expect(nodes[33]).toMatchObject({ node_id: 'node-034', role: 'leaf', hostname: 'leaf-028' });
    expect(links).toHaveLength(120);
    // A leaf's uplinks are Ethernet1/49.. in spine order; the first leaf is port 3 of a spine.
    const leaf1 = await linksOf(d.id, '?node_id=node-007');
    expect(leaf1.total).toBe(4);
    expect(leaf1.links.map((l) => [l.a_node_id, l.a_interface, l.b_interface])).toEqual(
      nodes.slice(0, 4).map((s, i) => [s.id, 'Ethernet1/3', `Ethernet1/${49 + i}`]),
    );
    const spine1 = await linksOf(d.id, `?node_id=${nodes[0].id}&skip=28&limit=5`);
    expect(spine1.total).toBe(30);
    expect(spine1.links.map((l) => l.a_interface)).toEqual(['Ethernet1/29', 'Ethernet1/30']);

    const spines = await api.http.get(`/deployments/${d.id}/nodes?role=spine`).expect(200);
    expect(spines.body.total).toBe(4);
    const border = await nodesOf(d.id, '?role=border-leaf&limit=1');
    expect(border.map((n) => n.node_id)).toEqual(['node-005']);
    const one = await api.http.get(`/deployments/${d.id}/nodes/node-005`).expect(200);
    expect(one.body.role).toBe('border-leaf');

    const { rows } = await db.query(
      `SELECT metadata FROM events WHERE deployment_id = $1 AND type = 'DEPLOYMENT_CREATED'`,
      [d.id],
    );
    expect(rows[0].metadata).toMatchObject({
      target_node_count: 34,
      topology: { spines: 4, leaves: 28, border_leaves: 2 },
      links: 120,
    });
  });

  it('takes target_node_count when it equals the topology, and no border leaves by default', async () => {
    const d = await create({ spines: 1, leaves: 3 }, { target_node_count: 4 });
    expect(d.topology).toEqual({ spines: 1, leaves: 3, border_leaves: 0 });
    const { links } = await expectFullMesh(d.id);
    expect(links.map((l) => [l.a_interface, l.b_interface])).toEqual([
      ['Ethernet1/1', 'Ethernet1/49'],
      ['Ethernet1/2', 'Ethernet1/49'],
      ['Ethernet1/3', 'Ethernet1/49'],
    ]);
  });

  it.each([
    [{ spines: 0, leaves: 4 }, {}, /topology\.spines/],
    [{ spines: -1, leaves: 4 }, {}, /topology\.spines/],
    [{ spines: 2, leaves: 0 }, {}, /topology\.leaves/],
    [{ spines: 2, leaves: 4, border_leaves: -1 }, {}, /topology\.border_leaves/],
    [{ spines: 1.5, leaves: 4 }, {}, /topology\.spines must be an integer/],
    [{ spines: '2', leaves: 4 }, {}, /topology\.spines/],
    [{ spines: 2 }, {}, /topology\.leaves/],
    [{ spines: 2, leaves: 4, cores: 1 }, {}, /topology\.cores/],
    [{ spines: 65, leaves: 4 }, {}, /topology\.spines must not be greater than 64/],
    [{ spines: 2, leaves: 4 }, { target_node_count: 7 }, /target_node_count \(7\).*topology.*6/],
    [{ spines: 2, leaves: 9999 }, {}, /MAX_NODES_PER_DEPLOYMENT/],
    [{ spines: 64, leaves: 3200 }, {}, /links/],
    ['leaf-spine', {}, /topology/],
  ])('rejects topology %j %j with 422 and creates nothing', async (topology, extra, detail) => {
    const before = await db.query(`SELECT count(*)::int AS n FROM deployments WHERE name = $1`, [
      NAME,
    ]);
    const res = await api.http
      .post('/deployments')
      .send({ name: NAME, topology, ...extra })
      .expect(422);
    expectError(res.body, 422, detail);
    const after = await db.query(`SELECT count(*)::int AS n FROM deployments WHERE name = $1`, [
      NAME,
    ]);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('keeps the seed shape for a deployment without a topology: leaves, no links', async () => {
    const res = await api.http
      .post('/deployments')
      .send({ name: NAME, target_node_count: 3 })
      .expect(201);
    expect(res.body).not.toHaveProperty('topology');
    const nodes = await nodesOf(res.body.id);
    expect(nodes.map((n) => [n.role, n.hostname])).toEqual([
      ['leaf', `switch-${res.body.id}-001`],
      ['leaf', `switch-${res.body.id}-002`],
      ['leaf', `switch-${res.body.id}-003`],
    ]);
    expect(await linksOf(res.body.id)).toEqual({ links: [], total: 0 });
    const impact = await api.http.get(`/deployments/${res.body.id}/nodes/node-001/impact`);
    expect(impact.body).toMatchObject({ role: 'leaf', dependents: [], dependent_count: 0 });
    const spine = await api.http
      .post(`/deployments/${res.body.id}/nodes`)
      .send({ count: 1, role: 'spine' })
      .expect(422);
    expectError(spine.body, 422, /without a topology/);
    const grown = await api.http
      .post(`/deployments/${res.body.id}/nodes`)
      .send({ count: 1 })
      .expect(201);
    expect(grown.body.nodes[0]).toMatchObject({
      role: 'leaf',
      hostname: `switch-${res.body.id}-004`,
    });
    expect(await linksOf(res.body.id)).toEqual({ links: [], total: 0 });
  });
});

describe('changing a fabric', () => {
  it('links added leaves and spines to the whole fabric and removes a deleted node`s links', async () => {
    const d = await create({ spines: 2, leaves: 4, border_leaves: 1 });
    const grown = await api.http
      .post(`/deployments/${d.id}/nodes`)
      .send({ count: 2, role: 'leaf' })
      .expect(201);
    expect(grown.body.nodes.map((n: NodeRow) => [n.node_id, n.role, n.hostname])).toEqual([
      ['node-008', 'leaf', 'leaf-005'],
      ['node-009', 'leaf', 'leaf-006'],
    ]);
    await expectFullMesh(d.id);
    const border = await api.http
      .post(`/deployments/${d.id}/nodes`)
      .send({ count: 1, role: 'border-leaf' })
      .expect(201);
    expect(border.body.nodes[0].hostname).toBe('border-leaf-02');
    const spine = await api.http
      .post(`/deployments/${d.id}/nodes`)
      .send({ count: 1, role: 'spine' })
      .expect(201);
    expect(spine.body.nodes[0]).toMatchObject({ node_id: 'node-011', hostname: 'spine-03' });
    let mesh = await expectFullMesh(d.id);
    expect(mesh.links).toHaveLength(3 * 8);
    // The new spine is port 49 + 2 on every leaf.
    const third = await linksOf(d.id, '?node_id=node-011');
    expect(new Set(third.links.map((l) => l.b_interface))).toEqual(new Set(['Ethernet1/51']));

    // Deleting a spine and a leaf takes their links; the others stay, and ports are not reused.
    await api.http.delete(`/deployments/${d.id}/nodes/node-001`).expect(204);
    await api.http.delete(`/deployments/${d.id}/nodes/node-004`).expect(204);
    mesh = await expectFullMesh(d.id);
    expect(mesh.links).toHaveLength(2 * 7);
    const added = await api.http.post(`/deployments/${d.id}/nodes`).send({ count: 1 }).expect(201);
    expect(added.body.nodes[0]).toMatchObject({ role: 'leaf', hostname: 'leaf-007' });
    mesh = await expectFullMesh(d.id);
    expect(mesh.links).toHaveLength(2 * 8);
    const detail = await api.http.get(`/deployments/${d.id}`).expect(200);
    expect(detail.body.topology).toEqual({ spines: 2, leaves: 6, border_leaves: 2 });
    expect(detail.body.target_node_count).toBe(10);

    const { rows } = await db.query(
      `SELECT type, metadata FROM events WHERE deployment_id = $1
         AND type IN ('NODES_ADDED', 'NODE_DELETED') ORDER BY id`,
      [d.id],
    );
    expect(rows.map((r) => [r.type, r.metadata.role, r.metadata.links])).toEqual([
      ['NODES_ADDED', 'leaf', 4],
      ['NODES_ADDED', 'border-leaf', 2],
      ['NODES_ADDED', 'spine', 8],
      ['NODE_DELETED', undefined, undefined],
      ['NODE_DELETED', undefined, undefined],
      ['NODES_ADDED', 'leaf', 2],
    ]);
    expect(rows[3].metadata.links_removed).toBe(8);

    // A deleted deployment leaves no link behind.
    await api.http.delete(`/deployments/${d.id}`).expect(204);
    const gone = await db.query(`SELECT count(*)::int AS n FROM links WHERE deployment_id = $1`, [
      d.id,
    ]);
    expect(gone.rows[0].n).toBe(0);
    await api.http.get(`/deployments/${d.id}/links`).expect(404);
  });

  it('refuses more spines than a fabric takes, and unknown roles', async () => {
    const d = await create({ spines: 63, leaves: 1 });
    const res = await api.http
      .post(`/deployments/${d.id}/nodes`)
      .send({ count: 2, role: 'spine' })
      .expect(422);
    expectError(res.body, 422, /at most 64/);
    const role = await api.http
      .post(`/deployments/${d.id}/nodes`)
      .send({ count: 1, role: 'core' })
      .expect(422);
    expectError(role.body, 422, /role/);
    const filter = await api.http.get(`/deployments/${d.id}/nodes?role=core`).expect(422);
    expectError(filter.body, 422, /role/);
    await api.http.get(`/deployments/${d.id}/links?node_id=node-999`).expect(404);
    await api.http.get(`/deployments/${d.id}/links?limit=0`).expect(422);
    await api.http.get(`/deployments/999999/links`).expect(404);
    expect((await nodesOf(d.id)).length).toBe(64);
  });
});

describe('blast radius', () => {
  it('gives every leaf and border leaf of a spine, each losing 100/S percent; a leaf has none', async () => {
    const d = await create({ spines: 4, leaves: 5, border_leaves: 1 });
    const nodes = await nodesOf(d.id);
    const below = nodes.filter((n) => n.role !== 'spine').map((n) => n.id);
    const spine = await api.http.get(`/deployments/${d.id}/nodes/node-002/impact`).expect(200);
    expect(spine.body).toEqual({
      node_id: nodes[1].id,
      node_identifier: 'node-002',
      role: 'spine',
      dependents: below,
      dependent_count: 6,
      uplink_capacity_loss_percent: 25,
    });
    const leaf = await api.http.get(`/deployments/${d.id}/nodes/${nodes[7].id}/impact`).expect(200);
    expect(leaf.body).toEqual({
      node_id: nodes[7].id,
      node_identifier: 'node-008',
      role: 'leaf',
      dependents: [],
      dependent_count: 0,
      uplink_capacity_loss_percent: 0,
    });
    // One spine fewer: each of the three left carries a third of every uplink.
    await api.http.delete(`/deployments/${d.id}/nodes/node-001`).expect(204);
    const after = await api.http.get(`/deployments/${d.id}/nodes/node-003/impact`).expect(200);
    expect(after.body.dependent_count).toBe(6);
    expect(after.body.uplink_capacity_loss_percent).toBeCloseTo(100 / 3, 12);
    await api.http.get(`/deployments/${d.id}/nodes/node-001/impact`).expect(404);
    await api.http.get(`/deployments/999999/nodes/node-001/impact`).expect(404);
  });
});
