/**
 * Task names unique across a multi-root workspace. Each folder's task modules are loaded by a
 * runtime of their own, and all of them register on the window's one manager through this: a name
 * belongs to the folder that registered it first, and a module of another folder declaring it is
 * refused with an error naming the file that has it (the runtime shows it as a Problem on the
 * declaring line). When the holder lets the name go, the refused modules are loaded again, so one of
 * them takes it. No vscode import.
 */
import * as path from "node:path";
import * as l10n from "@vscode/l10n";
import type { TaskRegistrar } from "../../runtime";

/** A workspace folder, as the names say where a clash is. */
export interface FolderRef {
  /** The folder's name in the workspace (`vscode.WorkspaceFolder.name`). */
  name: string;
  /** Absolute path of the folder: the runtime's root, which registrations' `source` is relative to. */
  root: string;
}

interface Claim {
  folder: FolderRef;
  /** Absolute path of the declaring module. */
  file: string;
  line: number;
}

/** One folder's way onto the shared manager. */
export interface FolderRegistrar extends TaskRegistrar {
  /** Forgets the folder's refused names; its runtime unregisters its own tasks when disposed. */
  dispose(): void;
}

export class SharedTaskNames {
  private readonly claims = new Map<string, Claim>();
  /** Refused names: name to the folders refused it, each with its modules that declare it and how to load them again. */
  private readonly refused = new Map<string, Map<FolderRef, { files: Set<string>; retry: (file: string) => void }>>();

  constructor(private readonly manager: TaskRegistrar) {}

  /**
   * The registrar `folder`'s runtime registers through.
   * @param retry loads a refused module again (its runtime's `reload(file)`), once the name it was refused is free.
   */
  forFolder(folder: FolderRef, retry: (file: string) => void): FolderRegistrar {
    return {
      task: (fn, config, options) => {
        const name = config.name ?? fn.name;
        const file = sourceFile(folder.root, options?.source);
        const claim = this.claims.get(name);
        if (claim && claim.folder !== folder) {
          this.refuse(name, folder, file, retry);
          throw new Error(l10n.t(
            "the name is already declared in {0} (line {1}) of workspace folder \"{2}\", and task names are unique across the workspace: give one of them another name ({3})",
            path.relative(claim.folder.root, claim.file) || claim.file,
            claim.line,
            claim.folder.name,
            'task({ name: "..." }, fn)',
          ));
        }
        const result = this.manager.task(fn, config, options);
        this.claims.set(name, { folder, file, line: options?.line ?? 1 });
        return result;
      },
      unregisterTask: (name, options) => {
        const claim = this.claims.get(name);
        // A name another folder holds now is not this folder's to drop (nor is its schedule).
        if (claim && claim.folder !== folder) return undefined;
        this.claims.delete(name);
        const result = this.manager.unregisterTask(name, options);
        // A reload unregisters and registers again in one go: only a name still free afterwards is offered on.
        setImmediate(() => this.offer(name));
        return result;
      },
      dispose: () => {
        for (const folders of this.refused.values()) folders.delete(folder);
      },
    };
  }

  /** The folder holding `name` and the declaring module, or undefined when no folder has registered it. */
  holder(name: string): { folder: FolderRef; file: string } | undefined {
    const claim = this.claims.get(name);
    return claim && { folder: claim.folder, file: claim.file };
  }

  private refuse(name: string, folder: FolderRef, file: string, retry: (file: string) => void): void {
    let folders = this.refused.get(name);
    if (!folders) this.refused.set(name, (folders = new Map()));
    const entry = folders.get(folder) ?? { files: new Set<string>(), retry };
    entry.files.add(file);
    folders.set(folder, entry);
  }

  private offer(name: string): void {
    if (this.claims.has(name)) return;
    const folders = this.refused.get(name);
    if (!folders) return;
    this.refused.delete(name);
    for (const { files, retry } of folders.values()) for (const file of files) retry(file);
  }
}

/** The module file of a registration's `source` (`relative/file.tasks.ts#exportName`). */
function sourceFile(root: string, source: string | undefined): string {
  if (source === undefined) return root;
  const hash = source.lastIndexOf("#");
  return path.resolve(root, hash >= 0 ? source.slice(0, hash) : source);
}
