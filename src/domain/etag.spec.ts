import { etagOf, ifMatchSatisfied } from './etag';

describe('etagOf', () => {
  it('quotes the version', () => {
    expect(etagOf(3)).toBe('"3"');
  });
});

describe('ifMatchSatisfied', () => {
  it('passes without the header and with *', () => {
    expect(ifMatchSatisfied(undefined, 4)).toBe(true);
    expect(ifMatchSatisfied(' * ', 4)).toBe(true);
  });

  it('matches the current tag, in a list, weak or strong', () => {
    expect(ifMatchSatisfied('"4"', 4)).toBe(true);
    expect(ifMatchSatisfied('"1", "4"', 4)).toBe(true);
    expect(ifMatchSatisfied('W/"4"', 4)).toBe(true);
  });

  it('fails on another version or an unquoted value', () => {
    expect(ifMatchSatisfied('"3"', 4)).toBe(false);
    expect(ifMatchSatisfied('4', 4)).toBe(false);
    expect(ifMatchSatisfied('', 4)).toBe(false);
  });
});
