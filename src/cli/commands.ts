/** The CLI's commands: each takes its parsed command line and the process's I/O, and returns the exit code. */
import {
  isFinished, isPlainObject, describeValue, parseStepKey, type LifecycleEvent, type ListTasksQuery, type LogEvent, type RetryOptions, type TaskRecord,
} from "../model";
import { ApiServer, serveLocalEndpoint } from "../http";
import { CliError, usage } from "./cliErrors";
import { integerFlag, jsonFlag, tagFlags, type CommandName, type ParsedCommand } from "./cliArgs";
import { openSession, type Session } from "./cliSession";
import { openRedisSession, redisTarget, runWorker } from "./redisSession";
import { formatDuration, formatWait, paletteFor, taskDetails, taskTable, type Palette } from "./format";
import type { Io } from "./io";

type Command = (parsed: ParsedCommand, io: Io) => Promise<number>;

const flagText = (parsed: ParsedCommand, name: string) => parsed.flags[name] as string | undefined;
const json = (parsed: ParsedCommand) => parsed.flags.json === true;

function open(parsed: ParsedCommand, io: Io, runs: "none" | "own" | "all"): Promise<Session> {
  const redis = redisTarget(parsed, io.env);
  if (redis !== undefined) {
    if (parsed.flags.db !== undefined) throw usage("--db and --redis name two different histories: pass one of them");
    // On Redis the workers run the tasks; this process loads the modules only to resolve names and configs.
    return openRedisSession({
      url: redis.url, prefix: redis.prefix, workspace: flagText(parsed, "workspace") ?? process.cwd(),
      loadModules: runs !== "none", worker: false, warn: (message) => io.err(`taskflow: ${message}`),
    });
  }
  if (parsed.flags.prefix !== undefined) throw usage("--prefix names the Redis keys of --redis URL: pass --redis too, or drop --prefix");
  return openSession({
    command: `taskflow ${parsed.command}`,
    workspace: flagText(parsed, "workspace") ?? process.cwd(),
    db: flagText(parsed, "db"),
    runs,
    warn: (message) => io.err(`taskflow: ${message}`),
  });
}

async function withSession<T>(parsed: ParsedCommand, io: Io, runs: "none" | "own" | "all", body: (session: Session) => Promise<T>): Promise<T> {
  const session = await open(parsed, io, runs);
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}

async function getOrFail(session: Session, taskId: string): Promise<TaskRecord> {
  const record = await session.client.getTask(taskId);
  if (!record) throw new CliError(1, `No task with id "${taskId}" in ${session.dbPath}: check the id with taskflow list`);
  return record;
}

/** Progress of one task on stderr while waiting: status changes and log lines. */
function followOnStderr(session: Session, io: Io, palette: Palette): { track(taskId: string): void; dispose(): void } {
  let tracked: string | undefined;
  const early: Array<() => void> = [];
  const show = (taskId: string, print: () => void) => {
    if (tracked === undefined) early.push(() => taskId === tracked && print());
    else if (taskId === tracked) print();
  };
  const subscriptions = [
    session.client.onLifecycle((e: LifecycleEvent) => show(e.taskId, () => io.err(`${palette.dim("»")} ${palette.status(e.status)}${e.status === "running" ? ` (attempt ${e.attempt + 1})` : e.waitingFor ? ` (${formatWait(e.waitingFor)})` : ""}`))),
    session.client.onLog((e: LogEvent) => show(e.taskId, () => io.err(`${palette.dim("│")} ${e.line}`))),
  ];
  return {
    track(taskId) {
      tracked = taskId;
      early.splice(0).forEach((f) => f());
    },
    dispose: () => subscriptions.forEach((s) => s.dispose()),
  };
}

function summary(record: TaskRecord, palette: Palette): string {
  const head = `${record.funcName} ${record.taskId} ${palette.status(record.status)} in ${formatDuration(record.duration)}`;
  if (record.status === "success") return `${head}\nresult: ${JSON.stringify(record.result)}`;
  if (record.waitingFor !== null) return `${head}\nwaiting: ${formatWait(record.waitingFor)}`;
  return record.error ? `${head}\nerror: ${record.error}` : head;
}

/**
 * For a run this process runs itself: the record once it finished, or once it waits for input
 * (which nobody can give while this process holds the database); undefined on Ctrl-C. Sleeps and
 * waits for other runs wake here as in a window.
 */
async function settleHere(session: Session, taskId: string, io: Io): Promise<TaskRecord | undefined> {
  let changed: () => void = () => undefined;
  const subscription = session.client.onLifecycle((e) => e.taskId === taskId && changed());
  try {
    for (;;) {
      const next = new Promise<boolean>((resolve) => (changed = () => resolve(true)));
      const record = await getOrFail(session, taskId);
      if (isFinished(record.status) || record.waitingFor?.kind === "input") return record;
      if (!(await Promise.race([next, io.interrupted.then(() => false)]))) return undefined;
    }
  } finally {
    subscription.dispose();
  }
}

/** Says how to go on with a run left waiting for input when this process lets go of the database. */
function leftWaiting(record: TaskRecord | undefined, io: Io): void {
  if (record?.waitingFor?.kind !== "input") return;
  io.err(`taskflow: task ${record.taskId} ${formatWait(record.waitingFor)}: give it with taskflow input ${record.taskId} --value JSON; it resumes in a VS Code window or taskflow serve`);
}

/** Enqueue (or retry), then wait when asked, or when this process runs the task itself and must stay until it ends or waits for input. */
async function startAndMaybeWait(session: Session, parsed: ParsedCommand, io: Io, start: () => Promise<string>, wait: boolean): Promise<number> {
  const palette = paletteFor(io.isTty, io.env);
  const progress = wait && io.isTty && !json(parsed) ? followOnStderr(session, io, palette) : undefined;
  try {
    const taskId = await start();
    progress?.track(taskId);
    if (!wait) {
      io.out(json(parsed) ? JSON.stringify({ taskId }) : `${taskId}`);
      if (session.manager) leftWaiting(await settleHere(session, taskId, io), io);
      return 0;
    }
    const record = session.manager
      ? await settleHere(session, taskId, io)
      : await Promise.race([session.client.waitFor(taskId), io.interrupted.then(() => undefined)]);
    if (!record) throw new CliError(1, `Stopped waiting for task ${taskId}${session.manager ? ": a running attempt of it is interrupted, a waiting run stays waiting" : "; it goes on in " + session.forwardedTo}`);
    io.out(json(parsed) ? JSON.stringify(record.toDict()) : summary(record, palette));
    leftWaiting(record, io);
    return record.status === "success" ? 0 : 1;
  } finally {
    progress?.dispose();
  }
}

const run: Command = async (parsed, io) => {
  const args = jsonFlag(parsed.flags, "args");
  if (args !== undefined && !Array.isArray(args)) throw usage(`--args must be a JSON array, got ${describeValue(args)}: wrap it in [ ]`);
  const kwargs = jsonFlag(parsed.flags, "kwargs");
  if (kwargs !== undefined && !isPlainObject(kwargs)) throw usage(`--kwargs must be a JSON object, got ${describeValue(kwargs)}: like --kwargs '{"dryRun": true}'`);
  const priorityText = flagText(parsed, "priority");
  if (priorityText !== undefined && !/^-?\d+$/.test(priorityText)) throw usage(`--priority must be a whole number (higher runs first), got ${JSON.stringify(priorityText)}`);
  const candidates = {
    kwargs,
    tags: tagFlags(parsed.flags.tag as string[] | undefined),
    idempotencyKey: flagText(parsed, "key"),
    queue: flagText(parsed, "queue"),
    priority: priorityText === undefined ? undefined : Number(priorityText),
  };
  // Only given options are passed: the engine's schema names any it does not support.
  const options = Object.fromEntries(Object.entries(candidates).filter(([, v]) => v !== undefined));
  return withSession(parsed, io, "own", (session) =>
    startAndMaybeWait(session, parsed, io, () => session.client.addTask(parsed.positionals.task, args as unknown[] | undefined, options), parsed.flags.wait === true));
};

const list: Command = async (parsed, io) => {
  const status = flagText(parsed, "status")?.split(",").map((s) => s.trim()).filter((s) => s !== "");
  const query: ListTasksQuery = { withLogs: false };
  if (status) Object.assign(query, { status: status.length === 1 ? status[0] : status });
  if (parsed.flags.task !== undefined) query.funcName = flagText(parsed, "task");
  if (parsed.flags.tag !== undefined) query.tag = flagText(parsed, "tag");
  const limit = integerFlag(parsed.flags, "limit", 0);
  if (limit !== undefined) query.limit = limit;
  return withSession(parsed, io, "none", async (session) => {
    const records = await session.client.listTasks(query);
    if (json(parsed)) io.out(JSON.stringify(records.map((r) => r.toDict())));
    else io.out(records.length === 0 ? "No tasks." : taskTable(records, paletteFor(io.isTty, io.env)));
    return 0;
  });
};

const show: Command = (parsed, io) =>
  withSession(parsed, io, "none", async (session) => {
    const record = await getOrFail(session, parsed.positionals.id);
    io.out(json(parsed) ? JSON.stringify(record.toDict()) : taskDetails(record, paletteFor(io.isTty, io.env)));
    return 0;
  });

/** The lines of `events` that are not already the tail of `snapshot` (events that arrived while it was read). */
function newLines(snapshot: string[], events: string[]): string[] {
  for (let k = Math.min(snapshot.length, events.length); k > 0; k--) {
    if (events.slice(0, k).every((line, i) => line === snapshot[snapshot.length - k + i])) return events.slice(k);
  }
  return events;
}

const logs: Command = async (parsed, io) => {
  const follow = parsed.flags.follow === true;
  if (follow && json(parsed)) throw usage("--follow prints lines as they come and cannot be combined with --json: drop one of them");
  return withSession(parsed, io, "none", async (session) => {
    const taskId = parsed.positionals.id;
    if (!follow) {
      const record = await getOrFail(session, taskId);
      io.out(json(parsed) ? JSON.stringify(record.logs) : record.logs.join("\n"));
      return 0;
    }
    let buffered: string[] | undefined = [];
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const subscriptions = [
      session.client.onLog((e) => {
        if (e.taskId !== taskId) return;
        if (buffered) buffered.push(e.line);
        else io.out(e.line);
      }),
      session.client.onLifecycle((e) => e.taskId === taskId && isFinished(e.status) && finish()),
    ];
    try {
      const record = await (session.manager ? getOrFail(session, taskId) : waitForStream(session, taskId));
      record.logs.forEach((line) => io.out(line));
      newLines(record.logs, buffered).forEach((line) => io.out(line));
      buffered = undefined;
      if (isFinished(record.status)) return 0;
      if (session.manager) {
        io.err(`taskflow: task ${taskId} is ${record.status}, but no VS Code window or taskflow serve holds ${session.dbPath}, so nothing runs it now`);
        return 0;
      }
      await Promise.race([finished, io.interrupted]);
      return 0;
    } finally {
      subscriptions.forEach((s) => s.dispose());
    }
  });
};

/** Reads a task once the forwarded event stream is in place (waitFor would wait for its end). */
async function waitForStream(session: Session, taskId: string): Promise<TaskRecord> {
  const ready = (session.client as { eventsReady?: () => Promise<void> }).eventsReady;
  if (ready) await ready.call(session.client);
  return getOrFail(session, taskId);
}

const retry: Command = (parsed, io) => {
  const fromStep = flagText(parsed, "from-step");
  if (fromStep !== undefined && parseStepKey(fromStep) === undefined) {
    throw usage(`--from-step must be a step's name and occurrence like "fetch#2", got ${JSON.stringify(fromStep)}: taskflow show <id> lists the run's steps`);
  }
  const options: RetryOptions = { ...(parsed.flags.resume === true ? { resume: true } : {}), ...(fromStep === undefined ? {} : { fromStep }) };
  return withSession(parsed, io, "own", (session) => startAndMaybeWait(session, parsed, io, () => session.client.retryTask(parsed.positionals.id, options), false));
};

/** The name of the one input the run waits for (when --name is left out); exit 1 when it waits for none. */
async function awaitedInput(session: Session, taskId: string): Promise<string> {
  const record = await getOrFail(session, taskId);
  if (record.waitingFor?.kind === "input") return record.waitingFor.name;
  const now = record.waitingFor ? `it is waiting, ${formatWait(record.waitingFor)}` : `it is ${record.status}`;
  throw new CliError(1, `Task ${taskId} is not waiting for input: ${now}`);
}

const input: Command = (parsed, io) => {
  if (parsed.flags.value === undefined) throw usage(`taskflow input needs --value JSON, the input to give, got none: like --value '{"approve": true}'`);
  const value = jsonFlag(parsed.flags, "value");
  const given = flagText(parsed, "name");
  if (given === "") throw usage("--name must be the name of the input the run waits for, got an empty string: taskflow show <id> says which");
  return withSession(parsed, io, "none", async (session) => {
    const taskId = parsed.positionals.id;
    const name = given ?? (await awaitedInput(session, taskId));
    await session.client.provideInput(taskId, name, value);
    io.out(json(parsed) ? JSON.stringify({ taskId, name }) : `Gave ${JSON.stringify(name)} to ${taskId}: it resumes`);
    // This process holds the database only for this command: the run is pending in it now.
    if (session.manager) io.err(`taskflow: no VS Code window or taskflow serve holds ${session.dbPath}, so task ${taskId} resumes when one opens it`);
    return 0;
  });
};

const cancel: Command = (parsed, io) =>
  withSession(parsed, io, "none", async (session) => {
    const taskId = parsed.positionals.id;
    await session.client.cancelTask(taskId);
    io.out(json(parsed) ? JSON.stringify({ taskId, status: "cancelled" }) : `Cancelled ${taskId}`);
    return 0;
  });

const schedules: Command = (parsed, io) =>
  withSession(parsed, io, "none", async (session) => {
    const found = await session.client.listSchedules();
    io.out(json(parsed) ? JSON.stringify(found) : found.length === 0 ? "No schedules." : found.map((s) => JSON.stringify(s)).join("\n"));
    return 0;
  });

const serve: Command = async (parsed, io) => {
  const port = integerFlag(parsed.flags, "port", 0) ?? 0;
  if (port > 65535) throw usage(`--port must be a port number from 0 to 65535, got ${port}`);
  return withSession(parsed, io, "all", async (session) => {
    const server = new ApiServer({ client: session.client });
    const url = await server.listen(port).catch((error: Error) => {
      throw new CliError(1, `Could not listen on 127.0.0.1:${port} (${error.message}): pick another --port, or 0 for a free one`);
    });
    // Holding the database itself, it is also the endpoint other CLI calls forward to.
    const endpoint = session.manager ? await serveLocalEndpoint({ client: session.client, dbPath: session.dbPath, owner: "taskflow serve" }) : undefined;
    try {
      if (json(parsed)) io.out(JSON.stringify({ url, token: server.token }));
      else io.out(`Taskflow API on ${url}${session.forwardedTo ? ` (forwarding to ${session.forwardedTo})` : ""}\nToken: ${server.token}\nPress Ctrl-C to stop.`);
      await io.interrupted;
      return 0;
    } finally {
      await endpoint?.close();
      await server.close();
    }
  });
};

const worker: Command = runWorker;

export const COMMAND_HANDLERS: Record<CommandName, Command> = { run, list, show, logs, retry, input, cancel, schedules, serve, worker };
