import { promises as fsp } from "node:fs";
import type { Database, SqlJsStatic } from "sql.js";
import { errorText } from "./journalWriter";
import { applyPragmas, migrate, SchemaTooNewError } from "./schema";

const SQLITE_HEADER = Buffer.from("SQLite format 3\0", "latin1");

/**
 * The database in `dbPath`, loaded into sql.js memory and migrated to the current schema; a new
 * one when the file is missing or empty. A file that is not a readable database is moved aside to
 * `<dbPath>.corrupt-<ms>` with a warning, and a new database is started: nothing is deleted. A file
 * written by a newer Taskflow is refused (SchemaTooNewError) and left as it is.
 */
export async function openDatabaseFile(SQL: SqlJsStatic, dbPath: string, warn: (message: string) => void): Promise<Database> {
  let bytes: Buffer | undefined;
  try {
    bytes = await fsp.readFile(dbPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`Could not read the task database ${dbPath}: ${errorText(err)}`);
  }
  if (bytes !== undefined && bytes.length > 0) {
    let db: Database | undefined;
    try {
      if (!bytes.subarray(0, 16).equals(SQLITE_HEADER)) throw new Error("it does not start with the SQLite header");
      db = new SQL.Database(bytes);
      applyPragmas(db);
      migrate(db);
      return db;
    } catch (err) {
      db?.close();
      if (err instanceof SchemaTooNewError) throw err;
      const aside = `${dbPath}.corrupt-${Date.now()}`;
      await fsp.rename(dbPath, aside);
      warn(`The task database ${dbPath} could not be read (${errorText(err)}). It was moved to ${aside} and a new, empty database was started; the journal, if any, is replayed into it.`);
    }
  }
  const db = new SQL.Database();
  applyPragmas(db);
  migrate(db);
  return db;
}
