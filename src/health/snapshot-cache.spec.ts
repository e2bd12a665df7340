import { SnapshotCache } from './snapshot-cache';

/** A read the test finishes by hand, counting how often it was started. */
function manualRead() {
  const pending: ((value: number) => void)[] = [];
  let started = 0;
  const read = () =>
    new Promise<number>((resolve) => {
      started += 1;
      pending.push(resolve);
    });
  return {
    read,
    started: () => started,
    finish: (value: number) => pending.shift()!(value),
  };
}

describe('SnapshotCache', () => {
  it('shares one in-flight read among concurrent callers', async () => {
    const source = manualRead();
    const cache = new SnapshotCache(source.read, 2000, () => 0);
    const answers = [cache.get(), cache.get(), cache.get()];
    expect(source.started()).toBe(1);
    source.finish(7);
    expect(await Promise.all(answers)).toEqual([7, 7, 7]);
  });

  it('serves the snapshot until it is maxAge old, counted from the start of its read', async () => {
    let now = 1000;
    const source = manualRead();
    const cache = new SnapshotCache(source.read, 2000, () => now);
    const first = cache.get();
    now = 1500; // the read took 500 ms
    source.finish(1);
    expect(await first).toBe(1);
    now = 2999;
    expect(await cache.get()).toBe(1);
    expect(source.started()).toBe(1);
    now = 3000;
    const second = cache.get();
    expect(source.started()).toBe(2);
    source.finish(2);
    expect(await second).toBe(2);
  });

  it('starts no second read while a slow one is in flight, even past maxAge', async () => {
    let now = 0;
    const source = manualRead();
    const cache = new SnapshotCache(source.read, 2000, () => now);
    const first = cache.get();
    now = 5000;
    const second = cache.get();
    expect(source.started()).toBe(1);
    source.finish(3);
    expect(await Promise.all([first, second])).toEqual([3, 3]);
  });

  it('keeps no failed read: the next caller reads again', async () => {
    let calls = 0;
    const cache = new SnapshotCache(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('down');
        return calls;
      },
      2000,
      () => 0,
    );
    await expect(cache.get()).rejects.toThrow('down');
    expect(await cache.get()).toBe(2);
    expect(await cache.get()).toBe(2);
  });
});
