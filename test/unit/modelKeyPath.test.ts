import * as assert from "node:assert/strict";
import { keyOf, parseKeyPath, type KeyPath } from "../../src/model/keyPath";
import { TaskConfigSchema, ValidationError } from "../../src/model";
import { parseTaskConfig as checkTaskConfig } from "../../src/model";

function parsed(text: string): KeyPath {
  const path = parseKeyPath(text);
  if (typeof path === "string") throw new Error(path);
  return path;
}

describe("flow-control key paths", () => {
  const input = { args: ["ada", { userId: 7, account: { id: "acme" } }], kwargs: { tenant: "t1", items: [1, 2] }, tags: { tenant: "blue" } };

  it("reads the key at args[i], nested names and indexes, kwargs and tags", () => {
    assert.equal(keyOf(parsed("args[0]"), input), "ada");
    assert.equal(keyOf(parsed("args[1].userId"), input), "7");
    assert.equal(keyOf(parsed("args[1].account.id"), input), "acme");
    assert.equal(keyOf(parsed("args[1].account"), input), "{\"id\":\"acme\"}");
    assert.equal(keyOf(parsed("kwargs.tenant"), input), "t1");
    assert.equal(keyOf(parsed("kwargs.items[1]"), input), "2");
    assert.equal(keyOf(parsed("tags.tenant"), input), "blue");
  });

  it("gives the empty key where the value is missing or null", () => {
    assert.equal(keyOf(parsed("args[5]"), input), "");
    assert.equal(keyOf(parsed("args[0].length"), input), "");
    assert.equal(keyOf(parsed("kwargs.none.deeper"), input), "");
    assert.equal(keyOf(parsed("args[0]"), { args: [null], kwargs: {}, tags: {} }), "");
  });

  it("refuses a path that does not parse, saying what was expected", () => {
    assert.match(parseKeyPath("arg[0]") as string, /starts with args, kwargs or tags, got "arg\[0\]"/);
    assert.match(parseKeyPath("args.userId") as string, /args is an array, so "args.userId" must go on with an index such as args\[0\]/);
    assert.match(parseKeyPath("kwargs[0]") as string, /kwargs is an object/);
    assert.match(parseKeyPath("args[0]..x") as string, /cannot be read at "\.\.x"/);
    assert.match(parseKeyPath("tags.a.b") as string, /cannot go deeper than tags.<name>/);
    assert.match(parseKeyPath(3) as string, /got number/);
  });

  it("is checked with the task config: a bad path or limit is a ValidationError naming the field", () => {
    assert.ok(TaskConfigSchema.entries.concurrency);
    assert.doesNotThrow(() => checkTaskConfig({ concurrency: { key: "args[0]", limit: 1 }, rateLimit: { key: "kwargs.tenant", max: 10, perSeconds: 60 }, debounce: { key: "args[0]", seconds: 5 } }));
    assert.throws(() => checkTaskConfig({ concurrency: { key: "user", limit: 1 } }), (e: unknown) => e instanceof ValidationError && /concurrency\.key/.test(e.path) && /key path like/.test(e.message));
    assert.throws(() => checkTaskConfig({ concurrency: { key: "args[0]", limit: 0 } }), (e: unknown) => e instanceof ValidationError && /whole number >= 1/.test(e.message));
    assert.throws(() => checkTaskConfig({ rateLimit: { key: "args[0]", max: 2.5, perSeconds: 1 } }), /whole number >= 1/);
    assert.throws(() => checkTaskConfig({ debounce: { key: "args[0]", seconds: -1 } }), /seconds > 0/);
  });
});
