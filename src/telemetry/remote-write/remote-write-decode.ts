import { join } from 'node:path';
import { loadSync, type Type } from 'protobufjs';
import { uncompress } from 'snappyjs';

/** A WriteRequest may expand to at most this much once decompressed (a snappy bomb stops here). */
export const MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;

/** A body that is not a snappy-compressed WriteRequest: the sender must drop it (400). */
export class RemoteWriteDecodeError extends Error {}

/** The decompressed request would exceed MAX_UNCOMPRESSED_BYTES (413). */
export class RemoteWriteTooLargeError extends Error {}

export interface RemoteWriteLabel {
  name: string;
  value: string;
}

/** Sample timestamps are int64 milliseconds: protobufjs gives a Long, or a number. */
export interface RemoteWriteSample {
  value: number;
  timestamp: number | { toNumber(): number };
}

export interface RemoteWriteSeries {
  labels: RemoteWriteLabel[];
  samples: RemoteWriteSample[];
}

let writeRequest: Type | undefined;

/** The WriteRequest type, read once from remote-write.proto beside this file. */
function writeRequestType(): Type {
  writeRequest ??= loadSync(join(__dirname, 'remote-write.proto')).lookupType(
    'netorch.remotewrite.WriteRequest',
  );
  return writeRequest;
}

/**
 * Decodes a remote write 1.0 body: the snappy block format (not the framed stream format)
 * around a protobuf WriteRequest. Throws RemoteWriteDecodeError for anything else.
 */
export function decodeRemoteWrite(body: Uint8Array): RemoteWriteSeries[] {
  let raw: Uint8Array;
  try {
    raw = uncompress(body, MAX_UNCOMPRESSED_BYTES);
  } catch (error) {
    const message = (error as Error).message;
    if (/too big/.test(message)) {
      throw new RemoteWriteTooLargeError(
        `The body decompresses to more than ${MAX_UNCOMPRESSED_BYTES} bytes`,
      );
    }
    throw new RemoteWriteDecodeError(
      `The body is not snappy-compressed (block format): ${message}`,
    );
  }
  try {
    const message = writeRequestType().decode(raw) as unknown as {
      timeseries?: RemoteWriteSeries[];
    };
    return message.timeseries ?? [];
  } catch (error) {
    throw new RemoteWriteDecodeError(
      `The body is not a protobuf WriteRequest: ${(error as Error).message}`,
    );
  }
}

/** Encodes series as a sender does (the benchmark and tests build bodies with it). */
export function encodeRemoteWrite(
  series: { labels: RemoteWriteLabel[]; samples: { value: number; timestamp: number }[] }[],
): Uint8Array {
  const type = writeRequestType();
  return type.encode(type.fromObject({ timeseries: series })).finish();
}
