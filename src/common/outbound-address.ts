import { BlockList, isIP, LookupFunction } from 'node:net';
import { lookup as dnsLookup, LookupAddress } from 'node:dns';

/**
 * The one rule for every address netorch connects to on a user's say-so: alert receivers, http
 * provisioning endpoints, Prometheus sources.
 *
 * - refused always: link-local (which holds most cloud metadata services), the other metadata
 *   addresses and names, unspecified, multicast, broadcast and reserved, CGNAT, and the IPv6
 *   forms that carry a refused IPv4 address (mapped, compatible, NAT64, 6to4);
 * - loopback is refused when NODE_ENV=production unless OUTBOUND_ALLOWED_HOSTS names the host
 *   (or the address) with a pattern other than `*`;
 * - OUTBOUND_ALLOWED_HOSTS, when set, restricts every other host to its patterns;
 * - private ranges (10/8, 172.16/12, 192.168/16, fc00::/7) stay allowed.
 *
 * Checked twice: on the URL when it is accepted (outboundUrlProblem, then
 * outboundResolvedProblem for the addresses its name has now) and at every connection
 * (outboundUrlProblem again, since IP literals are never looked up, and outboundLookup as the
 * socket's `lookup`, so the address checked is the one connected to).
 */
export interface OutboundPolicy {
  /** Host patterns (`host`, `*.domain`, an IP, `*`); empty = any host the rule allows. */
  readonly allowedHosts: readonly string[];
  /** Whether loopback needs naming in allowedHosts (NODE_ENV=production). */
  readonly production: boolean;
}

/** The policy of a configuration (OUTBOUND_ALLOWED_HOSTS, or its alias RECEIVER_ALLOWED_HOSTS). */
export function outboundPolicy(config: {
  outboundAllowedHosts: readonly string[];
  production: boolean;
}): OutboundPolicy {
  return { allowedHosts: config.outboundAllowedHosts, production: config.production };
}

/** Why an address is refused whatever the configuration says. */
export type AlwaysRefused =
  'cloud metadata' | 'link-local' | 'unspecified' | 'multicast' | 'broadcast or reserved' | 'CGNAT';
export type AddressKind = AlwaysRefused | 'loopback';

/** The error code of a connection refused by the rule (set on the lookup's error). */
export const OUTBOUND_REFUSED_CODE = 'EFORBIDDENADDRESS';

const v4 = (ranges: [string, number][]) => {
  const list = new BlockList();
  for (const [net, prefix] of ranges) list.addSubnet(net, prefix, 'ipv4');
  return list;
};
const v6 = (ranges: [string, number][]) => {
  const list = new BlockList();
  for (const [net, prefix] of ranges) list.addSubnet(net, prefix, 'ipv6');
  return list;
};

// Checked in this order: the first match names the reason.
const IPV4: [AddressKind, BlockList][] = [
  [
    'cloud metadata',
    v4([
      ['169.254.169.254', 32],
      ['100.100.100.200', 32],
      ['192.0.0.192', 32],
    ]),
  ],
  ['link-local', v4([['169.254.0.0', 16]])],
  ['unspecified', v4([['0.0.0.0', 8]])],
  ['multicast', v4([['224.0.0.0', 4]])],
  ['broadcast or reserved', v4([['240.0.0.0', 4]])],
  ['CGNAT', v4([['100.64.0.0', 10]])],
  ['loopback', v4([['127.0.0.0', 8]])],
];
const IPV6: [AddressKind, BlockList][] = [
  ['cloud metadata', v6([['fd00:ec2::254', 128]])],
  ['link-local', v6([['fe80::', 10]])],
  ['unspecified', v6([['::', 128]])],
  ['multicast', v6([['ff00::', 8]])],
  ['loopback', v6([['::1', 128]])],
];

/** Names that resolve to a metadata service inside clouds, refused before any lookup. */
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.azure.internal',
  'metadata.tencentyun.com',
]);

/** The 8 groups of an IPv6 address as numbers, or null when it is not one. */
function ipv6Groups(address: string): number[] | null {
  if (isIP(address) !== 6) return null;
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = part(head);
  const t = part(tail);
  if (tail === undefined) return h;
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

const dottedQuad = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * The IPv4 address an IPv6 address carries: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible
 * (::a.b.c.d), NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48), 6to4 (2002:AABB:CCDD::);
 * null when it carries none.
 */
export function embeddedIpv4(address: string): string | null {
  const g = ipv6Groups(address);
  if (!g) return null;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return dottedQuad(g[6], g[7]);
  if (zeros(0, 6) && (g[6] !== 0 || g[7] > 1)) return dottedQuad(g[6], g[7]);
  if (g[0] === 0x64 && g[1] === 0xff9b && (zeros(2, 6) || g[2] === 1)) {
    return dottedQuad(g[6], g[7]);
  }
  if (g[0] === 0x2002) return dottedQuad(g[1], g[2]);
  return null;
}

/** What an IP address (v4 or v6, brackets and zone allowed) is, when the rule cares; else null. */
export function addressKind(address: string): AddressKind | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return IPV4.find(([, list]) => list.check(bare, 'ipv4'))?.[0] ?? null;
  if (family !== 6) return null;
  const own = IPV6.find(([, list]) => list.check(bare, 'ipv6'))?.[0];
  if (own) return own;
  const carried = embeddedIpv4(bare);
  return carried === null ? null : addressKind(carried);
}

/** Whether a host matches one allowed-host pattern (`host`, `*.domain`, an IP, `*`). */
export function hostMatches(host: string, pattern: string): boolean {
  const h = normalHost(host);
  const p = normalHost(pattern);
  if (p === '*') return true;
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return h === p;
}

/** A host as compared: no brackets, no trailing dot, lower case. */
export function normalHost(host: string): string {
  return host
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
}

/** Whether a pattern other than `*` names one of these hosts or addresses. */
function named(policy: OutboundPolicy, ...hosts: string[]): boolean {
  return policy.allowedHosts.some((p) => p !== '*' && hosts.some((h) => hostMatches(h, p)));
}

/**
 * Why connecting to `address` (an IP) for `host` (the name asked for) is refused, or null. The
 * allowlist of names is checked on the URL; this is the check of the address itself.
 */
export function outboundAddressProblem(
  address: string,
  host: string,
  policy: OutboundPolicy,
): string | null {
  const kind = addressKind(address);
  if (kind === null) return null;
  if (kind === 'loopback') {
    if (!policy.production || named(policy, host, address)) return null;
    return `${describe(host, address)} is a loopback address, refused with NODE_ENV=production unless OUTBOUND_ALLOWED_HOSTS names it`;
  }
  return `${describe(host, address)} is a ${kind} address netorch never connects to`;
}

function describe(host: string, address: string): string {
  const h = normalHost(host);
  const a = normalHost(address);
  return h === a ? a : `${h} (${a})`;
}

/** The options of outboundUrlProblem. */
export interface OutboundUrlOptions {
  /** How the URL is named in messages (`url`, `endpoint`, ...). */
  field?: string;
  /** Allowed schemes, without the colon; http and https when left out. */
  schemes?: readonly string[];
  /** Whether `user:password@` may stand in the URL (false when left out). */
  credentials?: boolean;
}

/**
 * Why a URL is refused before any lookup, or null: its scheme, credentials, a metadata or
 * loopback name, an IP literal the rule refuses (the WHATWG parser has already turned decimal,
 * hex and octal IPv4 spellings into dotted quads), a host outside OUTBOUND_ALLOWED_HOSTS.
 */
export function outboundUrlProblem(
  raw: string,
  policy: OutboundPolicy,
  options: OutboundUrlOptions = {},
): string | null {
  const field = options.field ?? 'url';
  const schemes = options.schemes ?? ['http', 'https'];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `${field} must be an absolute ${schemes.map((s) => `${s}://`).join(' or ')} URL`;
  }
  if (!schemes.includes(url.protocol.replace(/:$/, ''))) {
    return `${field} must use ${schemes.join(' or ')}`;
  }
  if (!options.credentials && (url.username || url.password)) {
    return `${field} must not carry credentials`;
  }
  const host = normalHost(url.hostname);
  if (host === '') return `${field} must name a host`;
  if (METADATA_NAMES.has(host)) {
    return `${field} must not point at a cloud metadata address (${host})`;
  }
  const literal = isIP(host) !== 0;
  const loopbackName = host === 'localhost' || host.endsWith('.localhost');
  const problem = outboundAddressProblem(
    literal ? host : loopbackName ? '127.0.0.1' : host,
    host,
    policy,
  );
  if (problem) return `${field} refused: ${problem}`;
  const { allowedHosts } = policy;
  if (allowedHosts.length > 0 && !allowedHosts.some((p) => hostMatches(host, p))) {
    return `${field} host ${host} is not in OUTBOUND_ALLOWED_HOSTS`;
  }
  return null;
}

/** How long outboundResolvedProblem waits for DNS before letting the connect-time check decide. */
export const RESOLVE_CHECK_TIMEOUT_MS = 2000;

/**
 * Why the addresses a host name has now are refused (for the 422 when a URL is accepted), or
 * null. A name that does not resolve within RESOLVE_CHECK_TIMEOUT_MS passes: it is checked
 * again at every connection.
 */
export function outboundResolvedProblem(
  hostname: string,
  policy: OutboundPolicy,
): Promise<string | null> {
  const host = normalHost(hostname);
  if (isIP(host)) return Promise.resolve(outboundAddressProblem(host, host, policy));
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), RESOLVE_CHECK_TIMEOUT_MS);
    dnsLookup(host, { all: true }, (error, addresses) => {
      clearTimeout(timer);
      if (error) return resolve(null);
      const problems = addresses.map((a) => outboundAddressProblem(a.address, host, policy));
      resolve(problems.find((p) => p !== null) ?? null);
    });
  });
}

/** Both checks of a URL being accepted: its text, then the addresses its name has now. */
export async function outboundUrlCheck(
  raw: string,
  policy: OutboundPolicy,
  options: OutboundUrlOptions = {},
): Promise<string | null> {
  const problem = outboundUrlProblem(raw, policy, options);
  if (problem) return problem;
  const resolved = await outboundResolvedProblem(new URL(raw).hostname, policy);
  return resolved ? `${options.field ?? 'url'} refused: ${resolved}` : null;
}

/** An error a refused connection fails with (its `code` is OUTBOUND_REFUSED_CODE). */
export function outboundRefusal(message: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(message);
  error.code = OUTBOUND_REFUSED_CODE;
  return error;
}

/** Whether an error (or its cause, as fetch wraps it) is a refusal of this rule. */
export function isOutboundRefusal(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as never) {
    if (e.code === OUTBOUND_REFUSED_CODE) return true;
  }
  return false;
}

/**
 * A `lookup` for http.request, net.connect or an undici Agent's `connect` that refuses an
 * address of the rule after DNS resolution, so a name that resolves (or is re-pointed) to a
 * refused address never gets a connection. Every address of the name is checked, not only
 * the first. IP literals never reach a lookup: check the URL with outboundUrlProblem before
 * each connection too.
 */
export function outboundLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, []);
      if (addresses.length === 0) {
        return callback(outboundRefusal(`${hostname} resolves to nothing`), []);
      }
      for (const a of addresses) {
        const problem = outboundAddressProblem(a.address, hostname, policy);
        if (problem) return callback(outboundRefusal(problem), []);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
