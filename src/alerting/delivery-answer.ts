/** How an answer's first bytes are kept: safe for a PostgreSQL text column and for JSON. */

/** At most this many characters are stored (the column's size). */
export const ANSWER_TEXT_MAX = 512;

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The stored text of an answer's first bytes. Plain UTF-8 is kept with its control characters
 * (NUL above all, which PostgreSQL's text refuses) escaped as `\uXXXX`; a compressed answer
 * (any Content-Encoding but identity) or one that is not UTF-8 is kept as `hex:` and its bytes
 * in hex. Cut to ANSWER_TEXT_MAX characters; null when there were no bytes.
 */
export function answerText(bytes: Buffer, contentEncoding?: string | string[]): string | null {
  if (bytes.length === 0) return null;
  const encoding = [contentEncoding ?? []].flat().join(',').trim().toLowerCase();
  const asHex = () =>
    `hex:${bytes.subarray(0, (ANSWER_TEXT_MAX - 4) >> 1).toString('hex')}`.slice(
      0,
      ANSWER_TEXT_MAX,
    );
  if (encoding !== '' && encoding !== 'identity') return asHex();
  let text: string;
  try {
    // A multi-byte character cut by the prefix's end is not a reason for hex: drop it.
    text = STRICT_UTF8.decode(trimPartialCharacter(bytes));
  } catch {
    return asHex();
  }
  return escapeControls(text).slice(0, ANSWER_TEXT_MAX);
}

/** Control characters but tab, newline and carriage return, as `\uXXXX`. */
export function escapeControls(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The bytes without an incomplete UTF-8 sequence at their end. */
function trimPartialCharacter(bytes: Buffer): Buffer {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back];
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    if (b < 0x80) return bytes;
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return length > back ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}
