import { StreamSlots } from './stream-slots';

const ops = { id: 'key:ops', label: 'API key "ops"' };
const viewer = { id: 'key:viewer', label: 'API key "viewer"' };
const laptop = { id: 'ip:10.0.0.7', label: 'client 10.0.0.7' };

describe('StreamSlots', () => {
  it('gives each holder its share and the process its cap', () => {
    const slots = new StreamSlots(5, 3);
    for (let i = 0; i < 3; i++) expect(slots.take(ops)).toBeNull();
    expect(slots.take(ops)).toMatchObject({
      kind: 'holder',
      detail: expect.stringMatching(/API key "ops" has 3 event streams open.*PER_KEY=3/),
    });
    expect(slots.take(viewer)).toBeNull();
    expect(slots.take(laptop)).toBeNull();
    expect(slots.open).toBe(5);
    expect(slots.take(viewer)).toMatchObject({
      kind: 'process',
      detail: expect.stringMatching(/5 event streams open.*MAX_EVENT_STREAMS=5/),
    });
  });

  it('frees a slot when a stream ends, and ignores a release it never gave', () => {
    const slots = new StreamSlots(2, 0);
    expect(slots.take(ops)).toBeNull();
    expect(slots.take(ops)).toBeNull();
    expect(slots.take(viewer)?.kind).toBe('process');
    slots.release(ops);
    expect(slots.heldBy(ops.id)).toBe(1);
    expect(slots.take(viewer)).toBeNull();
    slots.release(laptop);
    expect(slots.open).toBe(2);
    slots.release(ops);
    slots.release(viewer);
    expect(slots.open).toBe(0);
    expect(slots.heldBy(ops.id)).toBe(0);
  });

  it('with no per-holder share lets one holder use the whole cap', () => {
    const slots = new StreamSlots(4, 0);
    for (let i = 0; i < 4; i++) expect(slots.take(laptop)).toBeNull();
    expect(slots.take(laptop)?.kind).toBe('process');
  });
});
