import { crc32 } from "node:zlib";

/**
 * Where the seal goes: the database header's "user version" field (bytes 60-63), which SQLite
 * leaves to the application and Taskflow uses for nothing else.
 */
const SEAL_OFFSET = 60;
const SEAL_END = SEAL_OFFSET + 4;

/** CRC-32 of the image with the seal's four bytes counted as zero. */
function checksum(image: Uint8Array): number {
  return crc32(image.subarray(SEAL_END), crc32(new Uint8Array(4), crc32(image.subarray(0, SEAL_OFFSET))));
}

/**
 * Writes the image's checksum into its header, in place, and returns the image. Every database file
 * Taskflow writes is sealed, so the next open can tell it is intact by one pass of CRC-32 (tens of ms
 * for 100,000 runs) instead of PRAGMA quick_check, which walks every b-tree (over a second).
 */
export function sealImage(image: Uint8Array): Uint8Array {
  if (image.length < SEAL_END) return image;
  const seal = checksum(image);
  new DataView(image.buffer, image.byteOffset, image.byteLength).setUint32(SEAL_OFFSET, seal);
  return image;
}

/**
 * True when the bytes are exactly what sealImage sealed: no byte changed, none missing. False for a
 * file written by an older Taskflow or another tool, or changed since: such a file needs a full check.
 */
export function isSealedIntact(bytes: Uint8Array): boolean {
  if (bytes.length < SEAL_END) return false;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(SEAL_OFFSET) === checksum(bytes);
}
