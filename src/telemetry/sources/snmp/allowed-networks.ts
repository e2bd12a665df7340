import { BlockList, isIP } from 'node:net';

/**
 * Which management addresses may be polled: every address when no network is listed, else
 * those inside one of the CIDR networks (SNMP_ALLOWED_NETWORKS).
 */
export function addressFilter(networks: string[]): (address: string) => boolean {
  if (networks.length === 0) return (address) => isIP(address) !== 0;
  const allowed = new BlockList();
  for (const network of networks) {
    const [base, bits] = network.split('/');
    const family = isIP(base) === 6 ? 'ipv6' : 'ipv4';
    allowed.addSubnet(base, Number(bits), family);
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && allowed.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}
