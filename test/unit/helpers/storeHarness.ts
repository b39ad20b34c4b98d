/** The stores the conformance suite runs against, and how each proves what survives a reopen. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { MemoryStore, SqlJsStore, type TaskStore } from "../../../src/store";

/** How the suite gets a store, and how it proves the data survives (or not) a reopen. */
export interface StoreHarness {
  /** An open, empty store. */
  create(options?: { maxRecords?: number }): Promise<TaskStore>;
  /** The store the next reads go to: the same one, or a new instance on the same file. */
  reload(store: TaskStore, options?: { maxRecords?: number }): Promise<TaskStore>;
  /** A store that was never opened. */
  unopened(): TaskStore;
  /** Closes whatever is still open and removes temporary files. */
  cleanup(): Promise<void>;
}

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), "taskflow-store-"));
}

/** An SqlJsStore harness; `reopen` says how a reload reaches the file. */
export function sqlJsHarness(reopen: "none" | "close" | "crash"): () => StoreHarness {
  return () => {
    const dir = tempDir();
    const dbPath = path.join(dir, "tasks.db");
    const open = new Set<TaskStore>();
    const abandoned: TaskStore[] = [];
    const make = async (maxRecords?: number): Promise<TaskStore> => {
      const s = new SqlJsStore({ dbPath, maxRecords, onWarning: () => undefined });
      await s.open();
      open.add(s);
      return s;
    };
    return {
      create: (options) => make(options?.maxRecords),
      unopened: () => new SqlJsStore({ dbPath }),
      async reload(store, options) {
        if (reopen === "none") return store;
        if (reopen === "close") {
          await store.close();
        } else {
          // A crash after the journal was written: the first instance is abandoned, never closed. A dead
          // process's lock is stale and taken over; in this process it has to be let go by hand.
          await store.flush();
          await (store as unknown as { lock?: { release(): Promise<void> } }).lock?.release();
          abandoned.push(store);
        }
        open.delete(store);
        return make(options?.maxRecords);
      },
      async cleanup() {
        for (const s of open) await s.close().catch(() => undefined);
        // Only the abandoned instances' file handles are released; their data stays as the crash left it.
        for (const s of abandoned) await (s as unknown as { journal?: { close(): Promise<void> } }).journal?.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

/** A MemoryStore harness: a reload is the same store. */
export function memoryHarness(): StoreHarness {
  let current: TaskStore | undefined;
  return {
    async create(options) {
      current = new MemoryStore(options);
      await current.open();
      return current;
    },
    reload: async (store) => store,
    unopened: () => new MemoryStore(),
    async cleanup() {
      await current?.close().catch(() => undefined);
    },
  };
}
