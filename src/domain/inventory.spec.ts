import {
  canonicalAddress,
  inventoryLinks,
  inventoryProblems,
  numberedInventory,
} from './inventory';
import { NodeRole } from './node-role';

const node = (hostname: string, management_address: string, role?: NodeRole) => ({
  hostname,
  management_address,
  role,
});

describe('inventory', () => {
  it('spells an IPv6 address one way', () => {
    expect(canonicalAddress('2001:DB8:0:0::1')).toBe('2001:db8::1');
    expect(canonicalAddress('192.0.2.1')).toBe('192.0.2.1');
  });

  it('names every repeat by index, in the request and against the deployment', () => {
    const nodes = [node('a', '192.0.2.1'), node('a', '192.0.2.2'), node('c', '192.0.2.1')];
    expect(inventoryProblems(nodes)).toEqual([
      'nodes[1].hostname "a" duplicates nodes[0]',
      'nodes[2].management_address "192.0.2.1" duplicates nodes[0]',
    ]);
    expect(
      inventoryProblems([node('x', '192.0.2.9')], [], {
        hostnames: new Map([['x', 'node-004']]),
      }),
    ).toEqual([`nodes[0].hostname "x" is already node-004's`]);
  });

  it('refuses unknown host names, an interface twice and a node linked to itself', () => {
    const nodes = [node('s', '192.0.2.1', NodeRole.SPINE), node('l', '192.0.2.2')];
    expect(
      inventoryProblems(nodes, [
        { a: 's', a_interface: 'e1', b: 'l', b_interface: 'e49' },
        { a: 's', a_interface: 'e1', b: 'q', b_interface: 'e1' },
        { a: 'l', a_interface: 'e50', b: 'l', b_interface: 'e51' },
      ]),
    ).toEqual([
      'links[1].a_interface: s e1 is already used by links[0]',
      'links[1].b "q" is not a hostname of nodes',
      'links[2] links l to itself',
    ]);
  });

  it('numbers spines, border leaves, then leaves; puts the spine on side a', () => {
    const numbered = numberedInventory([
      node('l1', '192.0.2.3'),
      node('s1', '192.0.2.1', NodeRole.SPINE),
      node('b1', '192.0.2.2', NodeRole.BORDER_LEAF),
    ]);
    expect(numbered.map((n) => n.hostname)).toEqual(['s1', 'b1', 'l1']);
    expect(
      inventoryLinks(numbered, [{ a: 'l1', a_interface: 'swp1', b: 's1', b_interface: 'e3' }]),
    ).toEqual([
      {
        spineSeq: 1,
        spinePort: 1,
        spineInterface: 'e3',
        leafSeq: 3,
        leafPort: 1,
        leafInterface: 'swp1',
      },
    ]);
  });
});
