import { MAX_BATCH, sampleBatches } from './sample-batches';

describe('sampleBatches', () => {
  it('cuts 25,001 samples into 10,000-sample batches', () => {
    expect(sampleBatches(25_001, MAX_BATCH)).toEqual([
      { first: 1, last: 10_000 },
      { first: 10_001, last: 20_000 },
      { first: 20_001, last: 25_001 },
    ]);
  });

  it('starts at the resume point', () => {
    expect(sampleBatches(10, 4, 6)).toEqual([
      { first: 6, last: 9 },
      { first: 10, last: 10 },
    ]);
    expect(sampleBatches(10, 4, 10)).toEqual([{ first: 10, last: 10 }]);
  });

  it('refuses a resume point outside the file and a batch the API would refuse', () => {
    expect(() => sampleBatches(10, 4, 11)).toThrow('--from must be a sample number 1..10, got 11');
    expect(() => sampleBatches(10, 4, 0)).toThrow(/1\.\.10/);
    expect(() => sampleBatches(10, MAX_BATCH + 1)).toThrow('batch size must be 1..10000');
  });
});
