import { crc32 } from 'node:zlib';

/**
 * One PNG chunk (length, type, data, CRC), written by hand so that tests check the SDK's PNG code
 * against an encoder that shares none of it.
 */
export function pngChunk(type: string, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(data.length, 0);
  header.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([header.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([header, data, crc]);
}
