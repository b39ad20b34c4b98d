import { promises as fsp } from "node:fs";
import type { Database, SqlJsStatic } from "sql.js";
import { errorText } from "./journalWriter";
import { applyPragmas, migrate, SchemaTooNewError } from "./schema";
import { writeFileAtomic } from "./atomicFile";
import { damageOf, fitToLength, salvageDatabase } from "./databaseSalvage";
import { isSealedIntact } from "./imageSeal";
import { fileImage, pagesLength, readDatabaseFile, withRoom, type DatabaseBytes } from "./databaseImage";

const SQLITE_HEADER = Buffer.from("SQLite format 3\0", "latin1");

/**
 * The database in `dbPath`, loaded into sql.js memory and migrated to the current schema; a new
 * one when the file is missing or empty. A file that is not a readable database is moved aside to
 * `<dbPath>.corrupt-<ms>` with a warning, and a new database is started: nothing is deleted. A file
 * damaged in the middle (quick_check fails) keeps every row still readable: see keepWhatIsReadable.
 * quick_check reads every page, so it is skipped for a file whose seal (imageSeal.ts) matches its bytes.
 * A file written by a newer Taskflow is refused (SchemaTooNewError) and left as it is.
 */
export async function openDatabaseFile(SQL: SqlJsStatic, dbPath: string, warn: (message: string) => void): Promise<Database> {
  let read: DatabaseBytes | undefined;
  try {
    read = await readDatabaseFile(dbPath);
  } catch (err) {
    throw new Error(`Could not read the task database ${dbPath}: ${errorText(err)}`);
  }
  const bytes = read?.file;
  if (read !== undefined && bytes !== undefined && bytes.length > 0) {
    let db: Database | undefined;
    try {
      if (!bytes.subarray(0, 16).equals(SQLITE_HEADER)) throw new Error("it does not start with the SQLite header");
      const intact = isSealedIntact(bytes, read.checksum);
      // sql.js uses the buffer given as the file, without a copy: an intact file gets room to grow.
      db = new SQL.Database(intact ? read.withRoom : fitToLength(bytes));
      applyPragmas(db);
      migrate(db);
      const damage = intact ? null : damageOf(db);
      if (damage === null) return db;
      return await keepWhatIsReadable(SQL, db, dbPath, damage, warn);
    } catch (err) {
      db?.close();
      if (err instanceof SchemaTooNewError) throw err;
      const aside = `${dbPath}.corrupt-${Date.now()}`;
      await fsp.rename(dbPath, aside);
      warn(`The task database ${dbPath} could not be read (${errorText(err)}). It was moved to ${aside} and a new, empty database was started; the journal, if any, is replayed into it.`);
    }
  }
  return newDatabase(SQL);
}

/**
 * A new database at the current schema, with room to grow (databaseImage.ts): created, then opened
 * again from its exported pages followed by zeroed room, since sql.js gives room only to bytes it is
 * given. Without it, every page written past the end would make sql.js copy the whole file.
 */
function newDatabase(SQL: SqlJsStatic): Database {
  const created = new SQL.Database();
  let image: Uint8Array;
  try {
    applyPragmas(created);
    migrate(created);
    image = created.export();
  } finally {
    created.close();
  }
  // Room only where SQLite reads the page count from the header, and so ignores the zeroed room.
  const db = new SQL.Database(pagesLength(image) === image.length ? withRoom(image) : image);
  applyPragmas(db);
  return db;
}

/**
 * Replaces a damaged database file by what could be read from it: the damaged file is copied to
 * `<dbPath>.damaged-<ms>` first, then the salvaged database written over it atomically, so a crash
 * in between leaves the damaged file in place to be salvaged again. Closes `damaged`.
 */
async function keepWhatIsReadable(SQL: SqlJsStatic, damaged: Database, dbPath: string, damage: string, warn: (message: string) => void): Promise<Database> {
  let salvage;
  try {
    salvage = salvageDatabase(SQL, damaged);
  } finally {
    damaged.close();
  }
  try {
    const aside = `${dbPath}.damaged-${Date.now()}`;
    await fsp.copyFile(dbPath, aside);
    await writeFileAtomic(dbPath, fileImage(salvage.db.export()));
    warn(`The task database ${dbPath} is damaged (${damage}). What could be read was kept: ${salvage.summary}. The damaged file was moved to ${aside}; the journal, if any, is replayed on top.`);
    return salvage.db;
  } catch (err) {
    salvage.db.close();
    throw err;
  }
}
