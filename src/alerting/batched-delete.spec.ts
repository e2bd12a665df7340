import { batchedDeleteSql, drain } from './batched-delete';

describe('batchedDeleteSql', () => {
  it('deletes at most $2 matching rows of the table and counts them', () => {
    const sql = batchedDeleteSql('alerts', `state = 'resolved' AND ends_at < $1`);
    expect(sql).toContain('DELETE FROM alerts WHERE id IN (');
    expect(sql).toContain(
      `SELECT id FROM alerts WHERE state = 'resolved' AND ends_at < $1 LIMIT $2`,
    );
    expect(sql).toContain('SELECT count(*)::int AS n FROM gone');
  });
});

describe('drain', () => {
  const steps = (...counts: number[]) => {
    const calls: number[] = [];
    const step = () => {
      const n = counts[calls.length];
      calls.push(n);
      return Promise.resolve(n);
    };
    return { step, calls };
  };

  it('goes on while each step deletes a full batch and adds up what went', async () => {
    const { step, calls } = steps(3, 3, 1);
    await expect(drain(step, 3)).resolves.toBe(7);
    expect(calls).toEqual([3, 3, 1]);
  });

  it('stops after one step that deletes nothing', async () => {
    const { step, calls } = steps(0);
    await expect(drain(step, 3)).resolves.toBe(0);
    expect(calls).toEqual([0]);
  });

  it('takes one more step after a full batch, which may find nothing left', async () => {
    const { step, calls } = steps(3, 0);
    await expect(drain(step, 3)).resolves.toBe(3);
    expect(calls).toEqual([3, 0]);
  });
});
