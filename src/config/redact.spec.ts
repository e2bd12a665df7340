import { redactUrl, SecretRedactor, urlSecrets } from './redact';

describe('redactUrl', () => {
  it('replaces the password and credential-like query values', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/netorch')).toBe(
      'postgres://app:***@db:5432/netorch',
    );
    expect(redactUrl('redis://:s3cret@cache:6379/2')).toBe('redis://:***@cache:6379/2');
    expect(redactUrl('postgres://db/netorch?password=s3cret&sslmode=require')).toBe(
      'postgres://db/netorch?password=***&sslmode=require',
    );
    expect(redactUrl('postgres://postgres@127.0.0.1:5432/netorch')).toBe(
      'postgres://postgres@127.0.0.1:5432/netorch',
    );
  });

  it('shows nothing of a value it cannot parse', () => {
    expect(redactUrl('postgres://app:s3cret@[db/x')).toBe('(unparseable URL)');
  });
});

describe('urlSecrets', () => {
  it('lists the password raw and decoded, and credential-like query values', () => {
    expect(urlSecrets('postgres://app:p%40ss@db/x')).toEqual(['p%40ss', 'p@ss']);
    expect(urlSecrets('postgres://db/x?sslpassword=abc&x=1')).toEqual(['abc', 'abc']);
    expect(urlSecrets('redis://cache:6379')).toEqual([]);
    expect(urlSecrets('not a url')).toEqual([]);
  });
});

describe('SecretRedactor', () => {
  it('replaces every secret, also JSON-escaped, longest first', () => {
    const redactor = new SecretRedactor(['hunter22', 'hunter22-long', 'quo"te1']);
    expect(redactor.redact('a hunter22-long b hunter22 c')).toBe('a *** b *** c');
    expect(redactor.redact(JSON.stringify({ m: 'x quo"te1 y' }))).toBe('{"m":"x *** y"}');
    expect(redactor.redact('nothing here')).toBe('nothing here');
  });

  it('leaves secrets too short to tell from text alone', () => {
    const redactor = new SecretRedactor(['ab', '']);
    expect(redactor.empty).toBe(true);
    expect(redactor.redact('abc')).toBe('abc');
  });
});
