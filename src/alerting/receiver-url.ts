import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, LookupAddress } from 'node:dns';

/**
 * Addresses no receiver may reach, whatever RECEIVER_ALLOWED_HOSTS says: link-local, which
 * holds the cloud metadata services (169.254.169.254), IPv6 link-local, and AWS's IPv6
 * metadata address.
 */
const NEVER = new BlockList();
NEVER.addSubnet('169.254.0.0', 16, 'ipv4');
NEVER.addSubnet('fe80::', 10, 'ipv6');
NEVER.addAddress('fd00:ec2::254', 'ipv6');

/** Names that resolve to a metadata service inside clouds. */
const NEVER_NAMES = new Set(['metadata.google.internal', 'metadata', 'instance-data']);

/** The IPv4 address an IPv4-mapped IPv6 address carries (::ffff:a9fe:a9fe), else null. */
function mappedIpv4(address: string): string | null {
  const m = /^(?:0*:)*:ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(
    address,
  );
  if (!m) return null;
  if (m[1]) return m[1];
  const hi = parseInt(m[2], 16);
  const lo = parseInt(m[3], 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Whether an IP address (v4 or v6) is one no receiver may reach. */
export function isForbiddenAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return NEVER.check(bare, 'ipv4');
  if (family === 6) {
    const v4 = mappedIpv4(bare);
    return v4 !== null ? NEVER.check(v4, 'ipv4') : NEVER.check(bare, 'ipv6');
  }
  return false;
}

/** Whether a host matches one RECEIVER_ALLOWED_HOSTS pattern (`host`, `*.domain`, an IP). */
export function hostMatches(host: string, pattern: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  const p = pattern.toLowerCase().replace(/^\[|\]$/g, '');
  if (p === '*') return true;
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return h === p;
}

/**
 * Why a receiver URL is refused, or null when it is acceptable: http(s) only, no credentials
 * in it, never a link-local or metadata address, and within RECEIVER_ALLOWED_HOSTS when set.
 */
export function receiverUrlProblem(raw: string, allowedHosts: string[]): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url must be an absolute http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return 'url must use http or https';
  }
  if (url.username || url.password) return 'url must not carry credentials (use secret)';
  const host = url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === '') return 'url must name a host';
  if (isForbiddenAddress(host) || NEVER_NAMES.has(host)) {
    return 'url must not point at a link-local or cloud metadata address';
  }
  if (allowedHosts.length > 0 && !allowedHosts.some((p) => hostMatches(host, p))) {
    return `url host ${host} is not in RECEIVER_ALLOWED_HOSTS`;
  }
  return null;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http.request that refuses forbidden addresses after DNS resolution, so a
 * name that resolves (or is re-pointed) to link-local never gets a connection: the address
 * checked is the one connected to.
 */
export function guardedLookup(
  hostname: string,
  options: { all?: boolean; family?: number | string },
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true } as { all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const forbidden = addresses.find((a) => isForbiddenAddress(a.address));
    if (forbidden || addresses.length === 0) {
      const refused: NodeJS.ErrnoException = new Error(
        `${hostname} resolves to ${forbidden?.address ?? 'nothing'}, a link-local or metadata address netorch never connects to`,
      );
      refused.code = 'EFORBIDDENADDRESS';
      return callback(refused, []);
    }
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
}

/** Resolves a host now and says whether any of its addresses is forbidden (for the 422). */
export function resolvesToForbidden(hostname: string): Promise<boolean> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return Promise.resolve(isForbiddenAddress(host));
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 2000);
    dnsLookup(host, { all: true }, (error, addresses) => {
      clearTimeout(timer);
      resolve(!error && addresses.some((a) => isForbiddenAddress(a.address)));
    });
  });
}
