import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { jsonFlag, parseCommand, tagFlags } from "../../src/cli/cliArgs";
import { addTaskBody, cliCommandLine, curlCommandLine, DEFAULT_API_URL, shellQuote, type RunInput } from "../../src/model/runCommandLine";

/** The words a POSIX shell hands to `program` when it runs `line` (the program is a shell function printing its arguments). */
function shellWords(program: string, line: string): string[] {
  const out = execFileSync("sh", ["-c", `${program}() { for a in "$@"; do printf '%s\\0' "$a"; done; }\n${line}`], { encoding: "utf8" });
  return out.split("\0").slice(0, -1);
}

/** What the CLI makes of a copied command: the task and addTask's input, through its own parser. */
function cliReads(line: string): RunInput {
  const words = shellWords("taskflow", line);
  assert.equal(words[0], "run", `expected "taskflow run ...", got ${line}`);
  const parsed = parseCommand("run", words.slice(1));
  return {
    funcName: parsed.positionals.task,
    args: (jsonFlag(parsed.flags, "args") as unknown[] | undefined) ?? [],
    kwargs: (jsonFlag(parsed.flags, "kwargs") as Record<string, unknown> | undefined) ?? {},
    tags: tagFlags(parsed.flags.tag as string[] | undefined) ?? {},
    queue: (parsed.flags.queue as string | undefined) ?? "default",
    priority: parsed.flags.priority === undefined ? 0 : Number(parsed.flags.priority),
  };
}

/** What curl is asked to send: the URL, the headers and the JSON body. */
function curlSends(line: string): { url: string; headers: string[]; body: unknown } {
  const words = shellWords("curl", line);
  const headers: string[] = [];
  let url = "";
  let body: unknown;
  for (let i = 0; i < words.length; i++) {
    if (words[i] === "-H") headers.push(words[++i]);
    else if (words[i] === "--data-binary") body = JSON.parse(words[++i]);
    else if (words[i] === "-X") assert.equal(words[++i], "POST");
    else if (!words[i].startsWith("-")) url = words[i];
  }
  return { url, headers, body };
}

const AWKWARD: RunInput = {
  funcName: "sendEmail",
  args: ["it's \"quoted\"", "two  spaces", "grüße 🚀 naïve", "line one\nline two\r\n\ttab", "$HOME `date` $(id) \\ !", -1.5, null, { nested: ["'", "\""] }],
  kwargs: { "key with space": "a'b", "ünï": "\u2028\u2029", empty: "" },
  tags: { env: "dev's", "with space": "x y", note: "a=b=c", multi: "one\ntwo", dash: "-starts-with-dash" },
  queue: "emails q",
  priority: -2,
};

describe("Copy as CLI Command and Copy as curl (runCommandLine)", () => {
  it("quotes a word for a POSIX shell only when it must, and a single quote inside as '\\''", () => {
    assert.equal(shellQuote("sendEmail"), "sendEmail");
    assert.equal(shellQuote("a b"), "'a b'");
    assert.equal(shellQuote("it's"), "'it'\\''s'");
    assert.equal(shellQuote(""), "''");
    assert.deepEqual(shellWords("f", `f ${shellQuote("it's $HOME\n`x`")}`), ["it's $HOME\n`x`"]);
  });

  it("writes taskflow run NAME with only the flags the run needs", () => {
    assert.equal(cliCommandLine({ funcName: "cleanCache", args: [], kwargs: {}, tags: {}, queue: "default", priority: 0 }), "taskflow run cleanCache");
    assert.equal(
      cliCommandLine({ funcName: "sendEmail", args: ["a@b.c"], kwargs: {}, tags: { env: "dev" }, queue: "default", priority: 0 }),
      `taskflow run sendEmail --args '["a@b.c"]' --tag env=dev`,
    );
  });

  it("gives the CLI's own parser back the same task, arguments, tags, queue and priority with quotes, spaces, unicode and newlines", () => {
    const line = cliCommandLine(AWKWARD);
    assert.deepEqual(cliReads(line), AWKWARD);
  });

  it("writes a task name or tag starting with a dash so the CLI does not take it for a flag", () => {
    const run: RunInput = { funcName: "-odd name", args: [1], kwargs: {}, tags: { "-k": "-v" }, queue: "-q", priority: 3 };
    assert.deepEqual(cliReads(cliCommandLine(run)), run);
  });

  it("gives the CLI back any JSON arguments and string tags (property)", () => {
    const key = fc.string({ minLength: 1 }).filter((k) => !k.includes("=") && !k.includes("\0") && k !== "__proto__");
    const text = fc.string({ unit: "binary" }).filter((s) => !s.includes("\0"));
    const noNul = (v: unknown): boolean => !JSON.stringify(v).includes("\\u0000");
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue()).filter(noNul),
        fc.dictionary(key, fc.jsonValue()).filter(noNul),
        fc.dictionary(key, text),
        (args, kwargs, tags) => {
          const run: RunInput = { funcName: "echo", args, kwargs: kwargs, tags, queue: "default", priority: 0 };
          const back = cliReads(cliCommandLine(run));
          // JSON's own round trip is the reference: -0 becomes 0 there too.
          assert.deepEqual(back, JSON.parse(JSON.stringify(run)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("refuses a tag key the CLI cannot read back, and a run whose arguments are encrypted", () => {
    const run: RunInput = { funcName: "x", args: [], kwargs: {}, tags: { "a=b": "c" }, queue: "default", priority: 0 };
    assert.throws(() => cliCommandLine(run), /The tag "a=b" cannot be written as --tag key=value .*use Copy as curl/);
    assert.doesNotThrow(() => curlCommandLine(run, DEFAULT_API_URL));
    const encrypted = { ...run, tags: {}, encrypted: true };
    assert.throws(() => cliCommandLine(encrypted), /stored encrypted, so they cannot be copied/);
    assert.throws(() => curlCommandLine(encrypted, DEFAULT_API_URL), /stored encrypted/);
  });

  it("writes a curl POST to URL/tasks with the bearer placeholder and the same input as its JSON body", () => {
    const line = curlCommandLine(AWKWARD, "http://127.0.0.1:8400/");
    const sent = curlSends(line);
    assert.equal(sent.url, "http://127.0.0.1:8400/tasks");
    assert.deepEqual(sent.headers, ["Authorization: Bearer <token>", "Content-Type: application/json"]);
    assert.deepEqual(sent.body, { task: AWKWARD.funcName, args: AWKWARD.args, kwargs: AWKWARD.kwargs, tags: AWKWARD.tags, queue: AWKWARD.queue, priority: AWKWARD.priority });
    assert.deepEqual(addTaskBody({ funcName: "cleanCache", args: [], kwargs: {}, tags: {}, queue: "default", priority: 0 }), { task: "cleanCache" });
  });
});
