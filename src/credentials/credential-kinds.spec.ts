import { credentialProblems, splitFields } from './credential-kinds';

describe('credential kinds', () => {
  it('takes each kind with its own fields', () => {
    expect(credentialProblems('ssh', { username: 'u', private_key: 'k' })).toEqual([]);
    expect(credentialProblems('snmp-v2c', { community: 'c' })).toEqual([]);
    expect(credentialProblems('snmp-v3', { username: 'u' })).toEqual([]);
    expect(
      credentialProblems('snmp-v3', {
        username: 'u',
        auth_protocol: 'sha',
        auth_key: '12345678',
        priv_protocol: 'aes',
        priv_key: '12345678',
      }),
    ).toEqual([]);
    expect(credentialProblems('bearer', { token: 't', community: null })).toEqual([]);
  });

  it('names every field that does not fit', () => {
    expect(credentialProblems('bearer', { community: 'c' })).toEqual([
      'community is not a field of kind bearer (it takes token)',
      'token is required for kind bearer',
    ]);
    expect(credentialProblems('ssh', { username: 'u' })).toEqual([
      'kind ssh needs private_key or password',
    ]);
    expect(
      credentialProblems('snmp-v3', { username: 'u', priv_protocol: 'des', priv_key: 'k' }),
    ).toEqual(['privacy (priv_protocol) needs authentication (auth_protocol) too']);
    expect(credentialProblems('snmp-v3', { username: 'u', auth_key: '12345678' })).toEqual([
      'auth_protocol and auth_key go together: give both or neither',
    ]);
  });

  it('keeps plain fields apart from secret ones, dropping nulls', () => {
    expect(splitFields('ssh', { username: 'u', password: 'p', private_key: null })).toEqual({
      plain: { username: 'u' },
      secret: { password: 'p' },
    });
  });
});
