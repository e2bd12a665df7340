import { gzipSync } from 'node:zlib';
import { ANSWER_TEXT_MAX, answerText } from './delivery-answer';

describe('delivery answers', () => {
  it('keeps plain text, escapes NUL and other control characters', () => {
    expect(answerText(Buffer.from('ok\n'))).toBe('ok\n');
    expect(answerText(Buffer.from('a\u0000b\u001bc'))).toBe('a\\u0000b\\u001bc');
    expect(answerText(Buffer.alloc(0))).toBeNull();
  });

  it('keeps compressed and non-UTF-8 answers as hex', () => {
    const gz = gzipSync('hello');
    expect(answerText(gz, 'gzip')).toBe(`hex:${gz.toString('hex')}`);
    expect(answerText(gz)).toMatch(/^hex:1f8b/);
    expect(answerText(Buffer.from('plain'), 'identity')).toBe('plain');
  });

  it('never exceeds the column, and drops a character cut at the end', () => {
    expect(answerText(Buffer.alloc(2000, 0))!.length).toBeLessThanOrEqual(ANSWER_TEXT_MAX);
    expect(answerText(Buffer.alloc(2000, 0xff))!.length).toBeLessThanOrEqual(ANSWER_TEXT_MAX);
    const euro = Buffer.from('ab€');
    expect(answerText(euro.subarray(0, euro.length - 1))).toBe('ab');
  });
});
