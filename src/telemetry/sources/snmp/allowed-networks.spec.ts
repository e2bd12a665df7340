import { addressFilter } from './allowed-networks';

describe('addressFilter', () => {
  it('takes every IP address without networks, and never a name', () => {
    const any = addressFilter([]);
    expect(any('10.0.0.17')).toBe(true);
    expect(any('fd00::1')).toBe(true);
    expect(any('switch.example')).toBe(false);
  });

  it('takes only the addresses inside the listed networks', () => {
    const lab = addressFilter(['127.0.0.0/8', 'fd00::/8']);
    expect(lab('127.0.0.2')).toBe(true);
    expect(lab('10.0.0.17')).toBe(false);
    expect(lab('fd12::5')).toBe(true);
    expect(lab('2001:db8::1')).toBe(false);
  });
});
