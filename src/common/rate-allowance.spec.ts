import { Allowance, granted, secondsLeft, sliceOf, SLICES } from './rate-allowance';

describe('sliceOf', () => {
  it('takes a fixed share of the limit, at least one token', () => {
    expect(sliceOf(6000, SLICES.minute)).toBe(120);
    expect(sliceOf(200, SLICES.second)).toBe(20);
    expect(sliceOf(5, SLICES.minute)).toBe(1);
    expect(sliceOf(1, SLICES.second)).toBe(1);
  });
});

describe('granted', () => {
  it('grants the whole slice while the window has room', () => {
    expect(granted(120, 120, 6000)).toBe(120);
    expect(granted(6000, 120, 6000)).toBe(120);
  });

  it('grants only what was left when the slice crosses the limit', () => {
    expect(granted(6050, 120, 6000)).toBe(70);
    expect(granted(6120, 120, 6000)).toBe(0);
    expect(granted(9999, 120, 6000)).toBe(0);
  });

  it('never grants more than the limit in all, however the leases interleave', () => {
    // Three replicas leasing slices of 7 under a limit of 100, in any order: the totals Redis
    // answers are 7, 14, ... and the grants add up to exactly the limit.
    let total = 0;
    let sum = 0;
    for (let i = 0; i < 30; i++) {
      total += 7;
      sum += granted(total, 7, 100);
    }
    expect(sum).toBe(100);
  });
});

describe('secondsLeft', () => {
  it('rounds up to whole seconds, at least one', () => {
    expect(secondsLeft(1_000, 60_000)).toBe(59);
    expect(secondsLeft(59_500, 60_000)).toBe(1);
    expect(secondsLeft(61_000, 60_000)).toBe(1);
  });
});

describe('Allowance', () => {
  it('asks for one token first, then twice as many each time, up to the slice', () => {
    const a = new Allowance();
    expect([1, 2, 3, 4, 5, 6].map(() => a.nextAsk(10))).toEqual([1, 2, 4, 8, 10, 10]);
    expect(new Allowance().nextAsk(1)).toBe(1);
  });

  it('spends the leased tokens, then is spent when Redis grants less than asked', () => {
    const a = new Allowance().at(0);
    a.add(0, 3, 60_000, 3, 5);
    expect({ tokens: a.tokens, spent: a.spent, endsAt: a.endsAt }).toEqual({
      tokens: 3,
      spent: false,
      endsAt: 60_000,
    });
    a.tokens = 0;
    a.add(10, 6, 59_990, 3, 5);
    expect({ tokens: a.tokens, spent: a.spent }).toEqual({ tokens: 2, spent: true });
  });

  it('drops what is left of a window once it has ended', () => {
    const a = new Allowance().at(0);
    a.add(0, 10, 1000, 10, 10);
    expect(a.at(999).tokens).toBe(10);
    expect(a.at(1000).tokens).toBe(0);
    a.add(1000, 10, 1000, 10, 10);
    a.spent = true;
    expect(a.at(2000)).toMatchObject({ tokens: 0, spent: false });
  });
});
