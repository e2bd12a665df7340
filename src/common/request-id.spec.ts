import type { IncomingMessage } from 'node:http';
import { acceptRequestId, requestIdOf } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('acceptRequestId', () => {
  it.each(['abc', 'req-1.2_3:4', 'A'.repeat(128), '3f2b8c1e-0d4a-4c55-9a57-0b5b8d6f4e21'])(
    'keeps %s',
    (value) => expect(acceptRequestId(value)).toBe(value),
  );

  it.each([
    ['empty', ''],
    ['too long', 'A'.repeat(129)],
    ['with a space', 'a b'],
    ['a joined duplicate', 'a, b'],
    ['unicode', 'réq'],
    ['CRLF-ish', 'a\r\nb'],
    ['a quote', 'a"b'],
    ['an array', ['a', 'b']],
    ['absent', undefined],
  ])('refuses %s', (_, value) => expect(acceptRequestId(value)).toBeUndefined());
});

describe('requestIdOf', () => {
  const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

  it('uses an acceptable client id and generates a UUID for any other', () => {
    expect(requestIdOf(request({ 'x-request-id': 'client-1' }))).toBe('client-1');
    expect(requestIdOf(request({ 'x-request-id': 'x'.repeat(300) }))).toMatch(UUID);
    expect(requestIdOf(request({}))).toMatch(UUID);
  });
});
