import { stripPort } from './node-match';

describe('node label values', () => {
  it.each([
    ['leaf-01:9100', 'leaf-01'],
    ['10.0.0.7:161', '10.0.0.7'],
    ['[2001:db8::1]:9100', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['2001:db8::1', '2001:db8::1'],
    ['leaf-01', 'leaf-01'],
    ['leaf-01:http', 'leaf-01:http'],
  ])('%s names %s', (value, name) => {
    expect(stripPort(value)).toBe(name);
  });
});
