/**
 * What `activate()` returns: the engine API bound to the workspace's manager,
 * plus what the window knows about its task modules, views, database, terminals and HTTP API.
 */
import type * as vscode from "vscode";
import type { ManagerProxy } from "../session/managerProxy";
import type { FunctionsTreeProvider } from "../views/functionsTreeProvider";
import type { SchedulesTreeProvider } from "../views/schedulesTreeProvider";
import type { StatusPlace } from "../views/statusBar";
import type { CatalogSnapshot } from "../modules/taskCatalog";
import type { TasksTreeProvider } from "../views/tasksTreeProvider";

/** What `activate()` returns: the engine API plus the workspace's task functions. */
export type TaskflowApi = ManagerProxy & {
  /** The task modules, their functions and problems as last loaded. */
  taskFunctions(): CatalogSnapshot;
  /** Fired after task modules were loaded, reloaded or removed. */
  onDidChangeTaskFunctions: vscode.Event<CatalogSnapshot>;
  /**
   * Fired when the task engine was replaced (a setting or the encryption key changed), or only its
   * task modules' runtime (`taskflow.isolation` changed), and is ready again.
   */
  onDidRestartEngine: vscode.Event<void>;
  /** What the Tasks view shows now: status groups with their loaded rows (labels, descriptions, icons, context values). */
  tasksView(): ReturnType<TasksTreeProvider["snapshot"]>;
  /** What the Task Functions view shows now: its rows' labels, each with the rows under it. */
  functionsView(): ReturnType<FunctionsTreeProvider["rows"]>;
  /** What the Schedules view shows now: one row model per schedule. */
  schedulesView(): ReturnType<SchedulesTreeProvider["snapshot"]>;
  /** The workspace's database, and who holds it when this window forwards to another holder; undefined with no folder. */
  database(): { path: string; forwardedTo: string | undefined } | undefined;
  /** Where the tasks are (what the status bar says): the local engine, or Redis with whether it is connected. */
  backend(): StatusPlace;
  /** What this window adds to its integrated terminals' environment. */
  terminalEnvironment(): TerminalVariable[];
  /** Fired when the window's HTTP API (`taskflow.api.enabled`) started, stopped, moved or took a new token; undefined while off. */
  onDidChangeHttpApi: vscode.Event<{ url: string } | undefined>;
};

/** One variable of the terminals' environment collection. */
export interface TerminalVariable {
  variable: string;
  value: string;
  type: "replace" | "append" | "prepend";
}

