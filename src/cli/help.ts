/** The CLI's help text. */
import { DEFAULT_DATABASE } from "../store/workspaceDatabase";

export const GENERAL_HELP = `taskflow: run and inspect Taskflow background tasks from a shell

Usage:
  taskflow run <task> [--args JSON] [--kwargs JSON] [--tag k=v]... [--key K] [--queue Q] [--priority N] [--wait] [--json]
  taskflow list [--status S] [--task NAME] [--tag k=v] [--limit N] [--json]
  taskflow show <id> [--json]
  taskflow logs <id> [--follow] [--json]
  taskflow retry <id> [--resume] [--from-step NAME#N] [--json]
  taskflow input <id> [--name NAME] --value JSON [--json]
  taskflow cancel <id> [--json]
  taskflow schedules [--json]
  taskflow serve [--port N] [--json]
  taskflow worker --redis URL [--concurrency N] [--prefix P] [--lock-seconds N] [--json]
  taskflow help [<command>]
  taskflow --version

Common options:
  --workspace DIR   the workspace folder (default: the current folder)
  --db PATH         the task database (overrides everything below)
  --redis URL       use the shared queue and history in Redis (BullMQ) instead of a database,
                    e.g. redis://127.0.0.1:6379; workers (taskflow worker) run the tasks
  --prefix P        with --redis: the prefix of its keys (default taskflow)
                    Without --redis and --db, $TASKFLOW_REDIS and $TASKFLOW_REDIS_PREFIX stand for
                    them (a VS Code window on a shared queue sets both in its terminals)
  --json            print exactly one JSON value on stdout, for scripts
  -h, --help        help for a command: taskflow <command> --help

Which database:
  1. --db PATH, else $TASKFLOW_DB;
  2. the database a VS Code window recorded for the workspace folder (or its nearest parent that
     has one), in $TASKFLOW_HOME/workspaces (default ~/.taskflow/workspaces): the window's history;
  3. else <workspace>/${DEFAULT_DATABASE}.
While a window (or taskflow serve) holds that database, commands are forwarded to it over its
local endpoint; with none open, the CLI opens the database itself (one writer at a time) and
runs tasks with the workspace's task modules. $TASKFLOW_ENCRYPTION_KEY is the argument
encryption key then.

Exit codes: 0 done (with --wait: the task succeeded), 1 the task failed or was not found, 2 bad usage
(and for input, a value the input's schema refuses).`;

export const COMMAND_HELP: Record<string, string> = {
  run: `taskflow run <task> [--args JSON] [--kwargs JSON] [--tag k=v]... [--key K] [--queue Q] [--priority N] [--wait] [--json]

Enqueues a run of <task>. --args is a JSON array, --kwargs a JSON object, --tag repeats, --key is
an idempotency key, --queue and --priority (a whole number, higher runs first) override the task's
own. Prints the new run's id. --wait waits for the end (exit 0 only on success) and shows progress on a
terminal. --json prints {"taskId"}, or with --wait the finished task.
With no window holding the database, the CLI runs the task itself and stays until it finishes or
waits for input (a run left waiting resumes in a window or taskflow serve).`,
  list: `taskflow list [--status S] [--task NAME] [--tag k=v] [--limit N] [--json]

Lists tasks, newest first (default limit 100). --status takes one status or several separated by
commas (pending, running, waiting, success, failed, interrupted, cancelled, rejected); --task keeps the
runs of one task, --tag those with that tag (k=v, or k for any value). When a listed run is
waiting, a WAITING FOR column says what for ("sleeping until 2026-12-07 16:05:00", "needs input:
approval", "waiting for 3 runs"). --json prints an array of the tasks' JSON form.`,
  show: `taskflow show <id> [--json]

Shows one task: fields, what it waits for (with an input's prompt and when the wait times out),
its steps and waits (NAME#N, status, duration, attempt, and the value or error), error, stack
trace and logs. --json prints its JSON form (with "steps" and "waitingFor").`,
  logs: `taskflow logs <id> [--follow] [--json]

Prints a task's log lines. --follow (-f) keeps printing new lines until the task finishes.
--json prints the lines as one JSON array (not with --follow).`,
  retry: `taskflow retry <id> [--resume] [--from-step NAME#N] [--json]

Starts a failed, interrupted or rejected task again as a new run, with the same arguments and tags,
from scratch. --resume starts it with the original's completed steps recorded, so it resumes where
the original stopped (a cancelled task can be resumed too); --from-step NAME#N (like fetch#2, as
taskflow show lists them) keeps only the steps recorded before that one, so it runs again from there.
Prints the new run's id; --json prints {"taskId"}. With no window holding the database, the CLI
runs the task itself and stays until it finishes or waits for input.`,
  input: `taskflow input <id> [--name NAME] --value JSON [--json]

Gives a run waiting in waitForInput its input, and the run resumes. --value is JSON, checked
against the wait's schema; --name is the input's name, by default the one the run waits for.
Exit 0 when the run resumed; 1 for an unknown task or one not waiting for that input; 2 for bad
usage or a value the schema refuses (stderr says which field and what was expected). --json prints
{"taskId","name"}. With no window holding the database, the run goes back to pending in it and
resumes when a window or taskflow serve opens it.`,
  cancel: `taskflow cancel <id> [--json]

Cancels a pending, running or waiting task. --json prints {"taskId","status":"cancelled"}.`,
  schedules: `taskflow schedules [--json]

Lists the schedules, soonest next run first: those task modules declare with
task({ schedule }) and those added with manager.schedule(). Each is one line of JSON
({ scheduleId, funcName, every, cron, timezone, nextRunAt, lastRunAt, lastTaskId, paused });
--json prints them as one JSON array.`,
  serve: `taskflow serve [--port N] [--json]

Serves the HTTP API on 127.0.0.1 (default: a free port) until interrupted. Every request needs
Authorization: Bearer <token>. --json prints {"url","token"} as one line when ready.
With no window holding the database, it holds it itself: it runs the workspace's tasks (and the
pending ones it finds), and other taskflow commands forward to it.`,
  worker: `taskflow worker --redis URL [--workspace DIR] [--concurrency N] [--prefix P] [--lock-seconds N] [--json]

Runs the jobs of the shared queue in Redis (BullMQ) with the workspace's task modules, until
Ctrl-C or SIGTERM; start as many as you like, on any machine with the same modules. --concurrency
is how many jobs per queue run at once (default 4). --lock-seconds is how long a job's lock lasts
(default 30): a worker that dies mid-task has its job taken back by another within about twice
that, then run again (requeueOnInterrupt) or stored interrupted. On SIGTERM running attempts are
handed back or stored interrupted the same way, and the worker exits 0. --json prints
{"ready":true,...} as one line once it takes jobs.`,
};
