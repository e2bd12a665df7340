import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const EXAMPLE = join(__dirname, '..', '..', 'examples', 'ansible');

describe('examples/ansible', () => {
  it.each(['provision.yml', 'configure.yml'])(
    '%s passes ansible-playbook --syntax-check with the arista.eos collection',
    async (playbook) => {
      const { stdout } = await run(
        'ansible-playbook',
        ['--syntax-check', '-i', 'localhost,', join(EXAMPLE, playbook)],
        { cwd: EXAMPLE, env: { ...process.env, ANSIBLE_CONFIG: join(EXAMPLE, 'ansible.cfg') } },
      );
      expect(stdout).toContain(`playbook: ${join(EXAMPLE, playbook)}`);
    },
  );

  it('refuses a playbook naming a module that does not exist (the check is real)', async () => {
    const bad = join(__dirname, 'ansible-project', 'unknown-module.yml');
    await expect(
      run('ansible-playbook', ['--syntax-check', '-i', 'localhost,', bad]),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('couldn'),
    });
  });
});
