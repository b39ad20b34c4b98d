import * as assert from "node:assert/strict";
import childProcess from "node:child_process";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as esbuild from "esbuild";
import { INDEX_FILE } from "../../src/runtime/compileIndex";
import type { EsbuildApi } from "../../src/runtime/compileModule";
import { lineOf, startHost, Workspace } from "../fixtures/modules/harness";
import { useRuntimeDist } from "./helpers/runtimeDist";

const CHECK_LIB = `export interface Order { id: number }
export function check(order: Order): number {
  if (order.id < 0) throw new RangeError(\`order \${order.id} is invalid\`); // THROW
  return order.id * 2;
}
`;
const ORDERS_MODULE = `import { task } from "taskflow";
import { check } from "./lib/check";
export const processOrder = task(async (id: number) => check({ id }));
`;
const HELLO_MODULE = `import { task } from "taskflow";
export const hello = task((name: string) => \`hello \${name}\`);
`;
const COUNTER_MODULE = `import { task } from "taskflow";
let runs = 0;
export const count = task(() => ++runs);
`;

/** The native esbuild, recording the entry point of every build it is asked for. */
function countingEsbuild(): { api: EsbuildApi; built: string[] } {
  const built: string[] = [];
  const api = {
    version: esbuild.version,
    build: (options: Parameters<typeof esbuild.build>[0]) => {
      built.push(...(options.entryPoints as string[]).map((f) => path.basename(f)));
      return esbuild.build(options);
    },
  };
  return { api: api as unknown as EsbuildApi, built };
}

describe("runtime: the compile cache", function () {
  // A cap, not a wait: real compiles and worker threads, slow when the shared machine is busy.
  this.timeout(30000);
  let distDir: string;
  let workspace: Workspace;
  let env: Awaited<ReturnType<typeof startHost>> | undefined;

  useRuntimeDist((dir) => (distDir = dir));
  afterEach(async () => {
    await env?.close();
    env = undefined;
    workspace?.dispose();
  });

  /** Starts a host with a persistent cache over the workspace's modules; returns it and the builds its esbuild was asked for. */
  async function session(modules: string[], options: Parameters<typeof startHost>[2] = {}) {
    await env?.close();
    const counting = countingEsbuild();
    env = await startHost(workspace, distDir, { esbuild: counting.api, persistentCache: true, ...options });
    await env.host.setFiles(modules.map((m) => workspace.file(m)));
    return { env, built: counting.built };
  }

  async function run(name: string, args: unknown[] = []) {
    assert.ok(env);
    return env.manager.waitFor(await env.manager.addTask(name, args));
  }

  it("loads unchanged modules in a second host on the same cacheDir without compiling them", async () => {
    workspace = new Workspace({ "orders.tasks.ts": ORDERS_MODULE, "lib/check.ts": CHECK_LIB, "hello.tasks.ts": HELLO_MODULE });
    const first = await session(["orders.tasks.ts", "hello.tasks.ts"]);
    assert.deepEqual(first.built.sort(), ["hello.tasks.ts", "orders.tasks.ts"]);
    const tasks = first.env.host.functions();

    const second = await session(["orders.tasks.ts", "hello.tasks.ts"]);
    assert.deepEqual(second.built, []);
    assert.deepEqual(second.env.host.functions(), tasks);
    assert.deepEqual(second.env.host.diagnostics(), []);
    const record = await run("processOrder", [21]);
    assert.equal(record.status, "success", record.error ?? "");
    assert.equal(record.result, 42);
  });

  it("compiles again only the module that imports a changed local file", async () => {
    workspace = new Workspace({ "orders.tasks.ts": ORDERS_MODULE, "lib/check.ts": CHECK_LIB, "hello.tasks.ts": HELLO_MODULE });
    await session(["orders.tasks.ts", "hello.tasks.ts"]);
    workspace.write({ "lib/check.ts": CHECK_LIB.replace("order.id * 2", "order.id * 3") });

    const { built } = await session(["orders.tasks.ts", "hello.tasks.ts"]);
    assert.deepEqual(built, ["orders.tasks.ts"]);
    assert.equal((await run("processOrder", [21])).result, 63);
    assert.equal((await run("hello", ["ada"])).result, "hello ada");
  });

  it("ignores a corrupt index, compiles and writes a valid one in its place", async () => {
    workspace = new Workspace({ "hello.tasks.ts": HELLO_MODULE });
    await session(["hello.tasks.ts"]);
    const indexPath = path.join(workspace.cacheDir, INDEX_FILE);
    for (const corrupt of ['{"format":1,"modules":{"', JSON.stringify({ format: 1, modules: { [workspace.file("hello.tasks.ts")]: { key: 1 } } })]) {
      writeFileSync(indexPath, corrupt);
      const { env: host, built } = await session(["hello.tasks.ts"]);
      assert.deepEqual(built, ["hello.tasks.ts"]);
      assert.deepEqual(host.host.diagnostics(), []);
      assert.deepEqual(host.host.functions().map((f) => f.name), ["hello"]);
      const rebuilt = JSON.parse(readFileSync(indexPath, "utf8")) as { modules: Record<string, { output: string }> };
      assert.ok(existsSync(path.join(workspace.cacheDir, rebuilt.modules[workspace.file("hello.tasks.ts")].output)));
    }
  });

  it("never loads an output the index names outside the cache dir", async () => {
    workspace = new Workspace({ "hello.tasks.ts": HELLO_MODULE, "evil.cjs": "throw new Error('loaded from outside the cache');\n" });
    await session(["hello.tasks.ts"]);
    const indexPath = path.join(workspace.cacheDir, INDEX_FILE);
    const index = JSON.parse(readFileSync(indexPath, "utf8")) as { modules: Record<string, { output: string }> };
    index.modules[workspace.file("hello.tasks.ts")].output = "../evil.cjs";
    writeFileSync(indexPath, JSON.stringify(index));
    const { env: host, built } = await session(["hello.tasks.ts"]);
    assert.deepEqual(built, ["hello.tasks.ts"]);
    assert.deepEqual(host.host.diagnostics(), []);
  });

  it("gives stacks at the .ts file and line of a local import after a cache hit", async () => {
    workspace = new Workspace({ "orders.tasks.ts": ORDERS_MODULE, "lib/check.ts": CHECK_LIB });
    await session(["orders.tasks.ts"]);
    const { built } = await session(["orders.tasks.ts"]);
    assert.deepEqual(built, []);
    const record = await run("processOrder", [-1]);
    assert.equal(record.status, "failed");
    const frame = `${workspace.file("lib/check.ts")}:${lineOf(CHECK_LIB, "// THROW")}:`;
    assert.ok(record.stacktrace?.includes(frame), `expected a frame at ${frame}, got:\n${record.stacktrace}`);
  });

  it("keeps a module's warm worker when it is saved without edits, and replaces it after an edit", async () => {
    workspace = new Workspace({ "counter.tasks.ts": COUNTER_MODULE });
    const { env: host, built } = await session(["counter.tasks.ts"], { maxWorkers: 1 });
    assert.equal((await run("count")).result, 1);

    await host.host.reload(workspace.file("counter.tasks.ts"));
    assert.deepEqual(built, ["counter.tasks.ts"]);
    // The same worker, with the module-level state of the run before.
    assert.equal((await run("count")).result, 2);

    workspace.write({ "counter.tasks.ts": COUNTER_MODULE.replace("++runs", "runs += 1") });
    await host.host.reload(workspace.file("counter.tasks.ts"));
    assert.deepEqual(built, ["counter.tasks.ts", "counter.tasks.ts"]);
    assert.equal((await run("count")).result, 1);
  });

  it("without persistentCache, deletes its outputs and their index entries at dispose", async () => {
    workspace = new Workspace({ "hello.tasks.ts": HELLO_MODULE });
    await session(["hello.tasks.ts"], { persistentCache: false });
    assert.ok(existsSync(path.join(workspace.cacheDir, INDEX_FILE)));
    await env?.close();
    env = undefined;
    assert.deepEqual(readdirSync(workspace.cacheDir), []);
  });

  it("sweeps an output the index no longer refers to and keeps the one it does", async () => {
    workspace = new Workspace({ "hello.tasks.ts": HELLO_MODULE });
    await session(["hello.tasks.ts"]);
    const outputs = () => readdirSync(workspace.cacheDir).filter((f) => f.endsWith(".cjs"));
    const [first] = outputs();
    workspace.write({ "hello.tasks.ts": HELLO_MODULE.replace("hello ", "hi ") });
    const { env: host } = await session(["hello.tasks.ts"]);
    assert.equal(outputs().length, 2);
    // The old output and the record of what it declares.
    assert.equal(await host.host.sweepCache(0), 2);
    assert.equal(outputs().length, 1);
    assert.notEqual(outputs()[0], first);
    assert.deepEqual(readdirSync(workspace.cacheDir).filter((f) => f.endsWith(".tasks.json")), [`${outputs()[0]}.tasks.json`]);
  });

  it("lists an unchanged module's tasks from the record beside its output, without running its top level again", async () => {
    workspace = new Workspace({ "hello.tasks.ts": HELLO_MODULE });
    await session(["hello.tasks.ts"]);
    const [record] = readdirSync(workspace.cacheDir).filter((f) => f.endsWith(".tasks.json"));
    const recordPath = path.join(workspace.cacheDir, record);
    const declared = JSON.parse(readFileSync(recordPath, "utf8")) as Array<{ name: string }>;
    assert.deepEqual(declared.map((t) => t.name), ["hello"]);
    // Had the top level run again, the module itself would say "hello".
    writeFileSync(recordPath, JSON.stringify(declared.map((t) => ({ ...t, name: "helloFromRecord" }))));

    const second = await session(["hello.tasks.ts"]);
    assert.deepEqual(second.env.host.functions().map((t) => t.name), ["helloFromRecord"]);
    assert.equal((await run("helloFromRecord", ["ada"])).result, "hello ada");

    writeFileSync(recordPath, "{ not json");
    const third = await session(["hello.tasks.ts"]);
    assert.deepEqual(third.env.host.functions().map((t) => t.name), ["hello"], "an unreadable record is listed again from the module");
  });
});

// The default compiler: esbuild-wasm in a forked child process, whose start takes seconds on a busy machine.
describe("runtime: the compile cache with the default compiler (esbuild-wasm in a child process)", function () {
  this.timeout(60000);
  let distDir: string;
  let workspace: Workspace;
  const realFork = childProcess.fork;

  useRuntimeDist((dir) => (distDir = dir));
  after(() => {
    childProcess.fork = realFork;
    workspace?.dispose();
  });

  it("does not start the compiler process when every module comes from the cache, and starts it on request", async () => {
    workspace = new Workspace({ "orders.tasks.ts": ORDERS_MODULE, "lib/check.ts": CHECK_LIB });
    let forks = 0;
    childProcess.fork = ((...args: Parameters<typeof realFork>) => {
      forks++;
      return realFork(...args);
    }) as typeof realFork;
    const first = await startHost(workspace, distDir, { esbuild: undefined, persistentCache: true });
    await first.host.setFiles([workspace.file("orders.tasks.ts")]);
    assert.deepEqual(first.host.diagnostics(), []);
    await first.close();
    assert.equal(forks, 1, "the first session compiles in the compiler process");

    forks = 0;
    const second = await startHost(workspace, distDir, { esbuild: undefined, persistentCache: true });
    try {
      await second.host.setFiles([workspace.file("orders.tasks.ts")]);
      assert.equal(forks, 0);
      const record = await second.manager.waitFor(await second.manager.addTask("processOrder", [5]));
      assert.equal(record.status, "success", record.error ?? "");
      assert.equal(record.result, 10);

      // Started ahead of an edit, the one process then serves the compile the save asks for.
      second.host.prepareCompiler();
      assert.equal(forks, 1);
      workspace.write({ "lib/check.ts": CHECK_LIB.replace("order.id * 2", "order.id * 3") });
      await second.host.reload(workspace.file("orders.tasks.ts"));
      assert.deepEqual(second.host.diagnostics(), []);
      const edited = await second.manager.waitFor(await second.manager.addTask("processOrder", [5]));
      assert.equal(edited.result, 15);
      assert.equal(forks, 1);
    } finally {
      childProcess.fork = realFork;
      await second.close();
    }
  });
});
