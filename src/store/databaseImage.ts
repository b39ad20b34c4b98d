import { promises as fsp } from "node:fs";
import { checksumRange, sealImage } from "./imageSeal";

/**
 * Room kept after the last page of a database loaded into sql.js, as a fraction of its size. sql.js
 * keeps the file in one array and, when SQLite writes past its end, copies it whole into one 1/8
 * larger (twice as large below 1 MB): for 100,000 runs a 40 MB copy on the main thread at the first
 * new page after open, and at every 1/8 of growth. Loaded with this much zeroed room after its pages
 * (which SQLite ignores: the header says how many pages the database has), the file grows into the
 * room instead.
 */
const ROOM_FRACTION = 1 / 8;
/**
 * The least room a database gets, in bytes (16 MB, about 40,000 runs with two log lines each). A new
 * database started without room made 37 growth copies moving 48.9 MB over 22,200 runs added in bulk,
 * each a copy of the whole file. Zeroed memory that is never written costs address space, not
 * resident memory.
 */
export const MIN_ROOM_BYTES = 16 * 1024 * 1024;

/** Bytes of room given to a database of `size` bytes: an eighth of it, at least MIN_ROOM_BYTES. */
export function roomFor(size: number): number {
  return Math.max(Math.ceil(size * ROOM_FRACTION), MIN_ROOM_BYTES);
}

/** The pages of `image` followed by zeroed room, for `new SQL.Database` to use as its file without a copy. */
export function withRoom(image: Uint8Array): Buffer {
  const buffer = Buffer.alloc(image.length + roomFor(image.length));
  buffer.set(image, 0);
  return buffer;
}

/** Bytes read at a time: each part's checksum is computed while the next part is read. */
const READ_PART_BYTES = 4 * 1024 * 1024;

/** The bytes of a database file, and the same bytes followed by zeroed room to grow into. */
export interface DatabaseBytes {
  file: Buffer;
  withRoom: Buffer;
  /** checksumRange (imageSeal.ts) over the whole file. */
  checksum: number;
}

/** Reads a database file into a buffer with room after it; undefined when there is no file. */
export async function readDatabaseFile(dbPath: string): Promise<DatabaseBytes | undefined> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(dbPath, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(size + roomFor(size));
    let length = 0;
    let checksum = 0;
    const readPart = (): Promise<{ bytesRead: number }> => handle.read(buffer, length, Math.min(READ_PART_BYTES, size - length), length);
    let reading = size > 0 ? readPart() : undefined;
    while (reading) {
      const { bytesRead } = await reading;
      const from = length;
      length += bytesRead;
      // The next part is read into the buffer beyond `length` while this one is summed.
      reading = bytesRead > 0 && length < size ? readPart() : undefined;
      checksum = checksumRange(buffer, from, length, checksum);
    }
    return { file: buffer.subarray(0, length), withRoom: length === size ? buffer : buffer.subarray(0, length), checksum };
  } finally {
    await handle.close();
  }
}

/**
 * The pages of an exported database, sealed: what to write to the file. sql.js 1.17 exports through
 * SQLite's backup API, so the image holds the pages alone; an export that copied the whole in-memory
 * file would bring the room along, so the image is cut to the page count of its header when SQLite
 * marks that valid (the change counter matches the version-valid-for number).
 */
export function fileImage(exported: Uint8Array): Uint8Array {
  const length = pagesLength(exported);
  return sealImage(length !== undefined && length <= exported.length ? exported.subarray(0, length) : exported);
}

/**
 * The bytes of the pages a database image's header counts, when SQLite marks that count valid (the
 * change counter matches the version-valid-for number); undefined otherwise.
 */
export function pagesLength(image: Uint8Array): number | undefined {
  if (image.length < 100) return undefined;
  const header = new DataView(image.buffer, image.byteOffset, 100);
  const rawPageSize = header.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  const pages = header.getUint32(28);
  return pages > 0 && header.getUint32(24) === header.getUint32(92) ? pages * pageSize : undefined;
}
