import { hostMatches, isForbiddenAddress, receiverUrlProblem } from './receiver-url';

describe('receiver URLs', () => {
  it('refuses link-local and metadata addresses in every spelling', () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://169.254.1.1:8080/',
      'http://[fe80::1]/',
      'http://[febf::1]/',
      'http://[::ffff:169.254.169.254]/',
      'http://2852039166/',
      'http://0xa9.0xfe.0xa9.0xfe/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://[fd00:ec2::254]/',
    ]) {
      expect(receiverUrlProblem(url, [])).toMatch(/link-local or cloud metadata/);
    }
  });

  it('refuses other schemes, credentials and garbage', () => {
    expect(receiverUrlProblem('ftp://example.com/', [])).toMatch(/http or https/);
    expect(receiverUrlProblem('file:///etc/passwd', [])).toMatch(/http or https/);
    expect(receiverUrlProblem('not a url', [])).toMatch(/absolute/);
    expect(receiverUrlProblem('http://u:p@example.com/', [])).toMatch(/credentials/);
  });

  it('accepts ordinary hosts, and only allowed ones when RECEIVER_ALLOWED_HOSTS is set', () => {
    expect(receiverUrlProblem('https://hooks.example.com/x', [])).toBeNull();
    expect(receiverUrlProblem('http://127.0.0.1:9000/x', [])).toBeNull();
    expect(receiverUrlProblem('http://[fec0::1]/', [])).toBeNull();
    const allowed = ['*.example.com', '127.0.0.1'];
    expect(receiverUrlProblem('https://hooks.example.com/x', allowed)).toBeNull();
    expect(receiverUrlProblem('http://127.0.0.1:9000/', allowed)).toBeNull();
    expect(receiverUrlProblem('https://example.com/', allowed)).toMatch(/RECEIVER_ALLOWED_HOSTS/);
    expect(receiverUrlProblem('https://evil.com/', allowed)).toMatch(/RECEIVER_ALLOWED_HOSTS/);
    expect(receiverUrlProblem('http://169.254.169.254/', ['*'])).toMatch(/link-local/);
  });

  it('matches host patterns', () => {
    expect(hostMatches('a.example.com', '*.example.com')).toBe(true);
    expect(hostMatches('example.com', '*.example.com')).toBe(false);
    expect(hostMatches('badexample.com', '*.example.com')).toBe(false);
    expect(hostMatches('EXAMPLE.com', 'example.com')).toBe(true);
  });

  it('knows forbidden addresses', () => {
    expect(isForbiddenAddress('169.254.0.1')).toBe(true);
    expect(isForbiddenAddress('fe80::abcd')).toBe(true);
    expect(isForbiddenAddress('::ffff:a9fe:a9fe')).toBe(true);
    expect(isForbiddenAddress('10.0.0.1')).toBe(false);
    expect(isForbiddenAddress('::1')).toBe(false);
  });
});
