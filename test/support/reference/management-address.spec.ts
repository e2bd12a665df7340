import { MAX_MANAGEMENT_NODE_ID, managementAddress } from './management-address';

/** The address's 24 host bits read back as an id: a left inverse proves the mapping injective. */
function idOf(address: string): number {
  const octets = address.split('.').map(Number);
  expect(octets).toHaveLength(4);
  expect(octets[0]).toBe(10);
  for (const octet of octets) {
    expect(Number.isInteger(octet) && octet >= 0 && octet <= 255).toBe(true);
  }
  return octets[1] * 65536 + octets[2] * 256 + octets[3];
}

describe('managementAddress', () => {
  it.each([
    [1, '10.0.0.1'],
    [255, '10.0.0.255'],
    [256, '10.0.1.0'],
    [65535, '10.0.255.255'],
    [65536, '10.1.0.0'],
    [1_000_000, '10.15.66.64'],
    [16_777_214, '10.255.255.254'],
  ])('maps node %i to %s', (id, address) => {
    expect(managementAddress(id)).toBe(address);
  });

  it('covers ids up to 10.255.255.254, short of the broadcast address', () => {
    expect(MAX_MANAGEMENT_NODE_ID).toBe(16_777_214);
  });

  it('gives distinct, well-formed addresses to the first 300,000 ids', () => {
    const seen = new Set<string>();
    for (let id = 1; id <= 300_000; id++) seen.add(managementAddress(id));
    expect(seen.size).toBe(300_000);
    expect(seen.has('10.0.0.0')).toBe(false);
  });

  it('reads back to its id across the whole range', () => {
    // 4099 ≡ 3 (mod 256), so the stride lands on every last-octet value on its way up.
    for (let id = 1; id <= MAX_MANAGEMENT_NODE_ID; id += 4099) {
      expect(idOf(managementAddress(id))).toBe(id);
    }
    for (let id = MAX_MANAGEMENT_NODE_ID - 1000; id <= MAX_MANAGEMENT_NODE_ID; id++) {
      expect(idOf(managementAddress(id))).toBe(id);
    }
  });

  it.each([0, -1, 16_777_215, 16_777_216, 2 ** 32 + 1, 1.5, NaN, Infinity])(
    'rejects node id %p',
    (id) => {
      expect(() => managementAddress(id)).toThrow(RangeError);
    },
  );
});
