import {
  addressKind,
  embeddedIpv4,
  hostMatches,
  isOutboundRefusal,
  OutboundPolicy,
  outboundAddressProblem,
  outboundRefusal,
  outboundUrlProblem,
} from './outbound-address';

const open: OutboundPolicy = { allowedHosts: [], production: false };
const prod: OutboundPolicy = { allowedHosts: [], production: true };

describe('outbound addresses', () => {
  it('refuses metadata, link-local, unspecified, multicast, broadcast and CGNAT in every spelling', () => {
    const cases: [string, RegExp][] = [
      ['http://169.254.169.254/latest/meta-data', /cloud metadata/],
      ['http://100.100.100.200/', /cloud metadata/],
      ['http://192.0.0.192/', /cloud metadata/],
      ['http://[fd00:ec2::254]/', /cloud metadata/],
      ['http://metadata.google.internal/computeMetadata/v1/', /cloud metadata/],
      ['http://METADATA/', /cloud metadata/],
      ['http://instance-data./', /cloud metadata/],
      ['http://169.254.1.1:8080/', /link-local/],
      ['http://2852039166/', /cloud metadata/],
      ['http://0xa9.0xfe.0xa9.0xfe/', /cloud metadata/],
      ['http://[fe80::1]/', /link-local/],
      ['http://[febf::1]/', /link-local/],
      ['http://0.0.0.0:80/', /unspecified/],
      ['http://0.1.2.3/', /unspecified/],
      ['http://[::]/', /unspecified/],
      ['http://224.0.0.1/', /multicast/],
      ['http://239.255.255.250/', /multicast/],
      ['http://[ff02::1]/', /multicast/],
      ['http://255.255.255.255/', /broadcast/],
      ['http://240.0.0.1/', /broadcast or reserved/],
      ['http://100.64.0.1/', /CGNAT/],
      ['http://100.127.255.254/', /CGNAT/],
      // IPv6 forms of refused IPv4 addresses.
      ['http://[::ffff:169.254.169.254]/', /cloud metadata/],
      ['http://[::ffff:a9fe:a9fe]/', /cloud metadata/],
      ['http://[64:ff9b::169.254.169.254]/', /cloud metadata/],
      ['http://[64:ff9b::a9fe:101]/', /link-local/],
      ['http://[64:ff9b:1::6440:1]/', /CGNAT/],
      ['http://[2002:a9fe:a9fe::1]/', /cloud metadata/],
      ['http://[::169.254.169.254]/', /cloud metadata/],
      ['http://[64:ff9b::e000:1]/', /multicast/],
    ];
    for (const [url, why] of cases) {
      for (const policy of [open, prod, { allowedHosts: ['*'], production: false }]) {
        expect([url, outboundUrlProblem(url, policy)]).toEqual([url, expect.stringMatching(why)]);
      }
    }
  });

  it('refuses loopback with NODE_ENV=production unless OUTBOUND_ALLOWED_HOSTS names it', () => {
    for (const url of [
      'http://127.0.0.1:9093/',
      'http://127.1.2.3/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[64:ff9b::7f00:1]/',
      'http://localhost:9093/',
      'http://am.localhost/',
    ]) {
      expect(outboundUrlProblem(url, open)).toBeNull();
      expect(outboundUrlProblem(url, prod)).toMatch(/loopback.*OUTBOUND_ALLOWED_HOSTS/);
      // `*` names no host: loopback stays refused.
      expect(outboundUrlProblem(url, { allowedHosts: ['*'], production: true })).toMatch(
        /loopback/,
      );
    }
    const named: OutboundPolicy = { allowedHosts: ['127.0.0.1', 'localhost'], production: true };
    expect(outboundUrlProblem('http://127.0.0.1:9093/', named)).toBeNull();
    expect(outboundUrlProblem('http://localhost:9093/', named)).toBeNull();
    expect(outboundUrlProblem('http://[::1]/', named)).toMatch(/OUTBOUND_ALLOWED_HOSTS/);
  });

  it('allows private ranges and ordinary hosts, and only allowed ones when a list is set', () => {
    for (const url of [
      'https://hooks.example.com/x',
      'http://10.0.0.5:9093/',
      'http://172.16.3.4/',
      'http://192.168.1.10/',
      'http://[fd12:3456::1]/',
      'http://[fec0::1]/',
      'http://100.63.255.255/',
      'http://100.128.0.1/',
      'http://[64:ff9b::a00:5]/',
    ]) {
      expect([url, outboundUrlProblem(url, prod)]).toEqual([url, null]);
    }
    const list: OutboundPolicy = { allowedHosts: ['*.example.com', '10.0.0.5'], production: true };
    expect(outboundUrlProblem('https://hooks.example.com/x', list)).toBeNull();
    expect(outboundUrlProblem('http://10.0.0.5:9093/', list)).toBeNull();
    expect(outboundUrlProblem('https://example.com/', list)).toMatch(/not in OUTBOUND_ALLOWED/);
    expect(outboundUrlProblem('http://10.0.0.6/', list)).toMatch(/not in OUTBOUND_ALLOWED/);
  });

  it('refuses other schemes, credentials and garbage, naming the field', () => {
    expect(outboundUrlProblem('ftp://example.com/', open)).toMatch(/^url must use http or https/);
    expect(outboundUrlProblem('file:///etc/passwd', open)).toMatch(/http or https/);
    expect(outboundUrlProblem('not a url', open)).toMatch(/absolute/);
    expect(outboundUrlProblem('http://u:p@example.com/', open)).toMatch(/credentials/);
    expect(
      outboundUrlProblem('http://u:p@example.com/', open, { field: 'endpoint', credentials: true }),
    ).toBeNull();
    expect(outboundUrlProblem('http://169.254.169.254/', open, { field: 'endpoint' })).toMatch(
      /^endpoint refused/,
    );
    expect(outboundUrlProblem('ws://example.com/', open, { schemes: ['ws'] })).toBeNull();
  });

  it('checks a resolved address against the name asked for', () => {
    expect(outboundAddressProblem('169.254.169.254', 'evil.example.com', open)).toMatch(
      /evil\.example\.com \(169\.254\.169\.254\) is a cloud metadata address/,
    );
    expect(outboundAddressProblem('127.0.0.1', 'am.internal', prod)).toMatch(/loopback/);
    expect(
      outboundAddressProblem('127.0.0.1', 'am.internal', {
        allowedHosts: ['am.internal'],
        production: true,
      }),
    ).toBeNull();
    expect(outboundAddressProblem('10.1.2.3', 'am.internal', prod)).toBeNull();
  });

  it('classifies addresses and finds the IPv4 address an IPv6 one carries', () => {
    expect(addressKind('[fe80::1%eth0]')).toBe('link-local');
    expect(addressKind('8.8.8.8')).toBeNull();
    expect(addressKind('2001:db8::1')).toBeNull();
    expect(embeddedIpv4('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(embeddedIpv4('64:ff9b::808:808')).toBe('8.8.8.8');
    expect(embeddedIpv4('2002:0808:0808::')).toBe('8.8.8.8');
    expect(embeddedIpv4('::1')).toBeNull();
    expect(embeddedIpv4('2001:db8::1')).toBeNull();
    expect(embeddedIpv4('10.0.0.1')).toBeNull();
  });

  it('matches host patterns', () => {
    expect(hostMatches('a.example.com', '*.example.com')).toBe(true);
    expect(hostMatches('example.com', '*.example.com')).toBe(false);
    expect(hostMatches('badexample.com', '*.example.com')).toBe(false);
    expect(hostMatches('EXAMPLE.com.', 'example.com')).toBe(true);
    expect(hostMatches('[::1]', '::1')).toBe(true);
  });

  it('knows its refusals, also wrapped as fetch wraps them', () => {
    const refusal = outboundRefusal('no');
    expect(isOutboundRefusal(refusal)).toBe(true);
    expect(isOutboundRefusal(new TypeError('fetch failed', { cause: refusal }))).toBe(true);
    expect(isOutboundRefusal(new Error('ECONNREFUSED'))).toBe(false);
  });
});
