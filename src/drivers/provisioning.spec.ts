import {
  credentialKinds,
  normalizeProvisioning,
  ProvisioningProblem,
  provisioningView,
} from './provisioning';

const problem = (input: unknown) => {
  try {
    normalizeProvisioning(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ProvisioningProblem);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('normalizeProvisioning', () => {
  it('fills in the simulator and the defaults', () => {
    expect(normalizeProvisioning({})).toEqual({
      driver: 'simulator',
      batch_size: 50,
      timeout_seconds: 1800,
    });
  });

  it('takes an ansible and an http provisioning whole', () => {
    expect(
      normalizeProvisioning({
        driver: 'ansible',
        playbooks: { configure: 'c.yml' },
        forks: 5,
        batch_size: 1000,
      }),
    ).toEqual({
      driver: 'ansible',
      batch_size: 1000,
      timeout_seconds: 1800,
      playbooks: { configure: 'c.yml' },
      forks: 5,
    });
    expect(
      normalizeProvisioning({
        driver: 'http',
        url: 'https://a.example/x',
        headers: { 'x-team': 'net' },
        timeout_seconds: 10,
      }),
    ).toEqual({
      driver: 'http',
      batch_size: 50,
      timeout_seconds: 10,
      url: 'https://a.example/x',
      headers: { 'x-team': 'net' },
    });
  });

  it('names the field that does not fit', () => {
    expect(problem({ driver: 'puppet' })).toBe(
      'provisioning.driver must be one of simulator, ansible, http',
    );
    expect(problem({ batch_size: 0 })).toBe(
      'provisioning.batch_size must be an integer from 1 to 1000',
    );
    expect(problem({ timeout_seconds: 9 })).toBe(
      'provisioning.timeout_seconds must be an integer from 10 to 86400',
    );
    expect(problem({ driver: 'ansible', playbooks: {} })).toMatch(
      /^provisioning.playbooks.configure must be a string/,
    );
    expect(problem({ driver: 'ansible', playbooks: { configure: 'c', x: 'y' } })).toMatch(/not x$/);
    expect(problem({ driver: 'http' })).toMatch(/^provisioning.url must be a string/);
    expect(problem({ driver: 'http', url: 'u', credential: 'signing' })).toBe(
      'provisioning.credential must be the id of a credential',
    );
    expect(problem({ driver: 'http', url: 'u', secret: 's'.repeat(20) })).toMatch(/: secret$/);
    expect(problem({ driver: 'http', url: 'u', headers: { 'webhook-id': 'x' } })).toMatch(
      /may not set "webhook-id"/,
    );
    expect(problem({ driver: 'http', url: 'u', headers: { 'x-a': 'a\r\nb' } })).toMatch(
      /one-line string/,
    );
    expect(problem({ driver: 'simulator', url: 'u' })).toBe(
      'provisioning has fields the simulator driver does not take: url',
    );
  });

  it('names its credential by id and holds no secret', () => {
    const config = normalizeProvisioning({
      driver: 'http',
      url: 'https://a.example',
      credential: 7,
    });
    expect(provisioningView(config)).toEqual({
      driver: 'http',
      batch_size: 50,
      timeout_seconds: 1800,
      url: 'https://a.example',
      credential: 7,
    });
    expect(credentialKinds(config)).toEqual(['http-secret']);
    expect(credentialKinds(normalizeProvisioning({ driver: 'simulator' }))).toEqual([]);
  });
});
