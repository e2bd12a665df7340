import { compress } from 'snappyjs';
import {
  decodeRemoteWrite,
  encodeRemoteWrite,
  MAX_UNCOMPRESSED_BYTES,
  RemoteWriteDecodeError,
  RemoteWriteTooLargeError,
} from './remote-write-decode';

const series = [
  {
    labels: [
      { name: '__name__', value: 'netorch:latency_ms' },
      { name: 'node', value: 'leaf-01' },
    ],
    samples: [
      { value: 1.25, timestamp: 1796690000123 },
      { value: 2.5, timestamp: 1796690001123 },
    ],
  },
];

const millis = (t: number | { toNumber(): number }) => (typeof t === 'number' ? t : t.toNumber());

describe('remote write decoding', () => {
  it('reads back what a sender encodes: labels, values and millisecond timestamps', () => {
    const [decoded] = decodeRemoteWrite(compress(encodeRemoteWrite(series)));
    expect(decoded.labels).toEqual(series[0].labels);
    expect(decoded.samples.map((s) => [s.value, millis(s.timestamp)])).toEqual([
      [1.25, 1796690000123],
      [2.5, 1796690001123],
    ]);
  });

  it('keeps the stale marker NaN as a NaN', () => {
    const stale = Buffer.from('7ff0000000000002', 'hex').readDoubleBE(0);
    const body = encodeRemoteWrite([
      { labels: series[0].labels, samples: [{ value: stale, timestamp: 1 }] },
    ]);
    expect(decodeRemoteWrite(compress(body))[0].samples[0].value).toBeNaN();
  });

  it('an empty request has no series', () => {
    expect(decodeRemoteWrite(compress(encodeRemoteWrite([])))).toEqual([]);
  });

  it('refuses a body that is not snappy', () => {
    // A snappy block starts with its uncompressed length; this one claims more than it holds.
    expect(() => decodeRemoteWrite(Buffer.from([0x40, 0x00, 0x01]))).toThrow(
      RemoteWriteDecodeError,
    );
  });

  it('refuses a protobuf body sent without compression', () => {
    expect(() => decodeRemoteWrite(encodeRemoteWrite(series))).toThrow(RemoteWriteDecodeError);
  });

  it('refuses snappy around bytes that are not a WriteRequest', () => {
    expect(() => decodeRemoteWrite(compress(Buffer.from('{"samples": []} not protobuf')))).toThrow(
      /not a protobuf WriteRequest/,
    );
  });

  it('refuses a body that would decompress beyond the limit, before decompressing it', () => {
    // The varint preamble says MAX_UNCOMPRESSED_BYTES + 1 bytes follow.
    const preamble: number[] = [];
    for (let n = MAX_UNCOMPRESSED_BYTES + 1; n > 0; n = Math.floor(n / 128)) {
      preamble.push((n % 128) | (n >= 128 ? 0x80 : 0));
    }
    expect(() => decodeRemoteWrite(Buffer.from(preamble))).toThrow(RemoteWriteTooLargeError);
  });
});
