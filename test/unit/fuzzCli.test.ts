import * as assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { TaskManager } from "../../src";
import { COMMANDS, integerFlag, jsonFlag, parseCommand, tagFlags, type CommandName } from "../../src/cli/cliArgs";
import { CliError } from "../../src/cli/cliErrors";
import { main } from "../../src/cli/main";
import { SqlJsStore } from "../../src/store";
import { fuzzParameters, fuzzTimeout, hostileString } from "./helpers/fuzz";

const ROOT = path.join(__dirname, "../..");
const CLI = path.join(ROOT, "dist/cli.js");
const NAMES = Object.keys(COMMANDS) as CommandName[];
const FLAG_NAMES = [...new Set(["workspace", "db", "json", "help", "redis", "prefix", ...NAMES.flatMap((n) => Object.keys(COMMANDS[n].options))])];
const STARTED = Date.now() - process.uptime() * 1000;
const CRASH = /Cannot read prop|is not a function|is not iterable|Maximum call stack|^\s+at /m;

/** Command-line words: known flags with and without values, unknown ones, negative numbers, JSON, hostile text. */
function words(ids: readonly string[]): fc.Arbitrary<string[]> {
  const value = fc.oneof(
    hostileString,
    fc.constantFrom(...ids, "-1", "-0", "0", "20", "1e3", "[1,\"a\"]", "{\"k\":1}", "{", "[", "null", "env=dev", "=x", "k=", "failed", "echo", "fetch#2", ""),
  );
  const word = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...FLAG_NAMES).map((f) => `--${f}`) },
    { weight: 2, arbitrary: value },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...FLAG_NAMES), value).map(([f, v]) => `--${f}=${v}`) },
    { weight: 1, arbitrary: fc.constantFrom("-h", "-f", "-x", "--", "--no-such-flag", "---", "-", "--__proto__", "--constructor") },
  );
  return fc.array(word, { maxLength: 7 });
}

function assertUsageError(error: unknown, context: string): asserts error is CliError {
  assert.ok(error instanceof CliError, `${context}: expected a CliError, got ${String(error)}`);
  assert.equal(error.exitCode, 2, `${context}: bad usage exits with 2: ${error.message}`);
  assert.doesNotMatch(error.message, CRASH, `${context}: a crash, not a refusal`);
  assert.match(error.message, /must|needs|takes|Unknown|unknown|expected|see taskflow/, `${context}: the message does not say what was expected: ${error.message}`);
}

describe("fuzz: CLI arguments", function () {
  this.timeout(fuzzTimeout(180_000));
  let dir: string;
  let dbPath: string;
  let ids: string[];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-fuzz-cli-"));
    mkdirSync(path.join(dir, "workspace"));
    dbPath = path.join(dir, "tasks.sqlite");
    const manager = new TaskManager({ dbPath, onOutsideLog: () => undefined });
    manager.task({ name: "echo" }, async (x: unknown) => x);
    manager.task({ name: "boom" }, async () => {
      throw new Error("boom");
    });
    await manager.start();
    ids = [(await manager.waitFor(await manager.addTask("echo", [1]))).taskId, (await manager.waitFor(await manager.addTask("boom"))).taskId];
    await manager.shutdown();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The tasks in the database file, read by a store of its own. */
  async function storedTasks(): Promise<string> {
    const store = new SqlJsStore({ dbPath, onWarning: () => undefined });
    await store.open();
    try {
      return JSON.stringify(store.listTasks({ limit: 100_000, sort: { by: "createdAt", order: "asc" } }));
    } finally {
      await store.close();
    }
  }

  it("parses any command line into the command's own positionals and flags, or refuses it as bad usage saying what was expected", () => {
    fc.assert(fc.property(fc.constantFrom(...NAMES), words(["3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b"]), (command, argv) => {
      let parsed;
      try {
        parsed = parseCommand(command, argv);
      } catch (error) {
        assertUsageError(error, `taskflow ${command} ${argv.join(" ")}`);
        return;
      }
      const allowed = new Set(["workspace", "db", "json", "help", "redis", "prefix", ...Object.keys(COMMANDS[command].options)]);
      for (const key of Object.keys(parsed.flags)) assert.ok(allowed.has(key), `flag --${key} is not one of taskflow ${command}'s`);
      if (!parsed.flags.help) assert.deepEqual(Object.keys(parsed.positionals), [...COMMANDS[command].positionals]);
      for (const [check, name] of [[() => integerFlag(parsed.flags, "limit", 0), "limit"], [() => jsonFlag(parsed.flags, "args"), "args"], [() => jsonFlag(parsed.flags, "value"), "value"], [() => tagFlags(parsed.flags.tag as string[] | undefined), "tag"]] as const) {
        try {
          check();
        } catch (error) {
          assertUsageError(error, `--${name} ${String(parsed.flags[name])}`);
        }
      }
    }), fuzzParameters());
  });

  it("runs any command line on a database to exit 0, 1 or 2 with one line saying why, and a refusal as bad usage changes nothing stored", async () => {
    const commands = NAMES.filter((n) => !["run", "serve", "worker"].includes(n));
    const before = await storedTasks();
    await fc.assert(fc.asyncProperty(fc.constantFrom(...commands), fc.constantFrom(...ids, "not-an-id"), words(ids), async (command, id, rest) => {
      const argv = [command, ...(COMMANDS[command].positionals.length > 0 ? [id] : []), ...rest.filter((w) => !/^--(db|workspace|redis|prefix)\b/.test(w)), "--db", dbPath];
      const out: string[] = [];
      const err: string[] = [];
      const stored = await storedTasks();
      const code = await main(argv, {
        out: (text) => void out.push(text), err: (text) => void err.push(text), isTty: false, env: {}, interrupted: new Promise((resolve) => setTimeout(resolve, 2000).unref()),
      });
      assert.ok([0, 1, 2].includes(code), `exit code ${code} for ${argv.join(" ")}`);
      if (code !== 0) {
        const last = err[err.length - 1] ?? "";
        assert.match(last, /^taskflow: \S/, `the error is one line on stderr: ${err.join("\n")}`);
        assert.doesNotMatch(err.join("\n"), CRASH, `a crash, not a refusal: ${err.join("\n")}`);
      }
      if (code === 2) assert.equal(await storedTasks(), stored, `a refused command line changed the database: ${argv.join(" ")}`);
    }), fuzzParameters(0.5));
    assert.ok((await storedTasks()).length >= before.length, "the seeded tasks are still there");
  });

  it("the built CLI, as a child process, exits 0, 1 or 2 on any run command line with no stack trace", async () => {
    // Built once per test run: cli.test.ts, earlier in the same run, has usually built it already.
    if (!existsSync(CLI) || statSync(CLI).mtimeMs < STARTED) execFileSync(process.execPath, ["esbuild.mjs"], { cwd: ROOT, stdio: "ignore" });
    const workspace = path.join(dir, "workspace");
    await fc.assert(fc.asyncProperty(words(ids), async (rest) => {
      // No process can be given a NUL byte in an argument (C strings end there), and Linux refuses one
      // argument over 128 KiB (E2BIG) before the CLI starts: no shell can pass either.
      const passable = rest.map((w) => w.replaceAll("\0", "").slice(0, 100_000));
      const argv = [CLI, "run", "echo", ...passable.filter((w) => !/^--(db|workspace|redis|prefix|wait)\b/.test(w)), "--db", dbPath];
      const child = spawn(process.execPath, argv, { cwd: workspace, env: { ...process.env, TASKFLOW_HOME: path.join(dir, "home"), NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      assert.ok(code === 0 || code === 1 || code === 2, `exit code ${code} for ${argv.slice(1).join(" ")}: ${stderr}`);
      assert.doesNotMatch(stderr, CRASH, `a crash, not a refusal: ${stderr}`);
      if (code !== 0) assert.match(stderr, /^taskflow: \S/m);
    }), fuzzParameters(0.03));
    const code = await main(["show", ids[0], "--db", dbPath, "--json"], { out: () => undefined, err: () => undefined, isTty: false, env: {}, interrupted: new Promise(() => undefined) });
    assert.equal(code, 0, "the database still answers after the fuzzed runs");
  });
});
