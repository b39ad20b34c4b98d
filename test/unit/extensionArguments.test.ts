import * as assert from "node:assert/strict";
import {
  parseDelaySeconds,
  parsePriorityText,
  parseQueueText,
  fernetKeyError,
  formatTags,
  generateFernetKey,
  parseArgumentsJson,
  parseKwargsJson,
  parseTags,
  validateRunTaskOptions,
} from "../../src/extension/prompts/argumentParsing";

describe("extension: argument parsing", () => {
  it("reads a JSON array as the task's arguments", () => {
    assert.deepEqual(parseArgumentsJson(' ["a@example.com", 3, {"x": true}] '), { ok: true, value: ["a@example.com", 3, { x: true }] });
  });

  it("treats empty input as no arguments", () => {
    assert.deepEqual(parseArgumentsJson("   "), { ok: true, value: [] });
  });

  it("rejects an object and says to wrap it in brackets", () => {
    assert.deepEqual(parseArgumentsJson('{"a": 1}'), { ok: false, error: "Arguments must be a JSON array, got an object: wrap it in [ ]" });
  });

  it("names the type it got for other non-arrays", () => {
    for (const [text, got] of [["42", "the number 42"], ['"x"', 'the string "x"'], ["null", "null"], ["true", "true"]]) {
      const result = parseArgumentsJson(text);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.error, `Arguments must be a JSON array, got ${got}: wrap it in [ ]`);
    }
  });

  it("reports invalid JSON with an example of what works", () => {
    const result = parseArgumentsJson("[1, 2");
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.error : "", /^Arguments must be a JSON array, got invalid JSON \(.+\): for example \["a", 1\]$/);
  });

  it("reads keyword arguments as a JSON object and rejects arrays", () => {
    assert.deepEqual(parseKwargsJson('{"dryRun": true}'), { ok: true, value: { dryRun: true } });
    assert.deepEqual(parseKwargsJson(""), { ok: true, value: {} });
    assert.deepEqual(parseKwargsJson("[1]"), { ok: false, error: "Keyword arguments must be a JSON object, got an array: wrap it in { }" });
  });
});

describe("extension: queue, priority and delay parsing", () => {
  it("leaves each to its default when the input is empty", () => {
    assert.deepEqual([parseQueueText("  "), parsePriorityText(""), parseDelaySeconds(" ")], [1, 2, 3].map(() => ({ ok: true, value: undefined })));
  });

  it("reads a trimmed queue name, a priority that may be negative or fractional, and a delay in seconds", () => {
    assert.deepEqual(parseQueueText(" emails "), { ok: true, value: "emails" });
    assert.deepEqual(parsePriorityText("-2.5"), { ok: true, value: -2.5 });
    assert.deepEqual(parseDelaySeconds("0.5"), { ok: true, value: 0.5 });
    assert.deepEqual(parseDelaySeconds("0"), { ok: true, value: 0 });
  });

  it("rejects a priority that is not a number and a negative or non-numeric delay, with an example", () => {
    const priority = parsePriorityText("high");
    assert.ok(!priority.ok);
    assert.match(priority.error, /Priority must be a number .* got "high": for example 5/);
    for (const text of ["-1", "soon", "Infinity"]) {
      const delay = parseDelaySeconds(text);
      assert.ok(!delay.ok, text);
      assert.match(delay.error, new RegExp(`Delay must be a number of seconds, 0 or more, got "${text}"`));
    }
  });
});

describe("extension: tag parsing", () => {
  it("reads key=value pairs separated by commas or spaces", () => {
    assert.deepEqual(parseTags("env=dev, team=data  owner=ana"), { ok: true, value: { env: "dev", team: "data", owner: "ana" } });
  });

  it("keeps an equals sign inside a value and allows an empty value", () => {
    assert.deepEqual(parseTags("query=a=b,flag="), { ok: true, value: { query: "a=b", flag: "" } });
  });

  it("treats empty input as no tags", () => {
    assert.deepEqual(parseTags(" , "), { ok: true, value: {} });
  });

  it("rejects a pair without a key or without an equals sign", () => {
    assert.deepEqual(parseTags("env"), { ok: false, error: 'Tags must be key=value pairs separated by commas, got "env": for example env=dev, team=data' });
    assert.deepEqual(parseTags("=dev"), { ok: false, error: 'Tags must be key=value pairs separated by commas, got "=dev" with no key: for example env=dev, team=data' });
  });

  it("rejects a key given twice", () => {
    assert.deepEqual(parseTags("env=dev,env=prod"), { ok: false, error: 'Tag "env" is given twice: keep one value per key' });
  });

  it("formats tags so they parse back to the same object", () => {
    const tags = { env: "dev", team: "data" };
    assert.deepEqual(parseTags(formatTags(tags)), { ok: true, value: tags });
  });
});

describe("extension: programmatic runTask options", () => {
  it("accepts args, kwargs, tags and an idempotency key", () => {
    const options = { args: [1], kwargs: { a: 2 }, tags: { env: "ci" }, idempotencyKey: "k1" };
    assert.deepEqual(validateRunTaskOptions(options), { ok: true, value: options });
    assert.deepEqual(validateRunTaskOptions(undefined), { ok: true, value: {} });
  });

  it("names every unknown option and says to remove it", () => {
    assert.deepEqual(validateRunTaskOptions({ args: [], arg: [1] }), {
      ok: false,
      error: "Run Task options accept args, kwargs, idempotencyKey, tags, queue, priority, delay, runAt, got unknown arg: remove it",
    });
    assert.deepEqual(validateRunTaskOptions({ queues: "x", retries: 2 }), {
      ok: false,
      error: "Run Task options accept args, kwargs, idempotencyKey, tags, queue, priority, delay, runAt, got unknown queues, retries: remove them",
    });
  });

  it("rejects wrong types with what was expected and what was got", () => {
    assert.deepEqual(validateRunTaskOptions({ args: { a: 1 } }), { ok: false, error: "options.args must be an array, got an object: wrap it in [ ]" });
    assert.deepEqual(validateRunTaskOptions({ kwargs: [1] }), {
      ok: false,
      error: "options.kwargs must be a plain object, got an array: pass an object such as { dryRun: true }",
    });
    assert.deepEqual(validateRunTaskOptions({ tags: { env: 1 } }), { ok: false, error: "options.tags.env must be a string: tags map strings to strings, got the number 1" });
    assert.deepEqual(validateRunTaskOptions({ tags: "env=dev" }), {
      ok: false,
      error: 'options.tags must be an object of strings like { env: "dev" }, got the string "env=dev"',
    });
    assert.deepEqual(validateRunTaskOptions({ idempotencyKey: "" }), { ok: false, error: 'options.idempotencyKey must be a non-empty string, got the string ""' });
    assert.deepEqual(validateRunTaskOptions([1]), { ok: false, error: "Run Task options must be an object { args, kwargs, tags, idempotencyKey }, got an array" });
  });
});

describe("extension: encryption key input", () => {
  it("generates a padded URL-safe base64 key of 32 bytes that validates", () => {
    const key = generateFernetKey(() => new Uint8Array(32).fill(0xfb));
    assert.equal(key.length, 44);
    assert.match(key, /^[A-Za-z0-9_-]{43}=$/);
    assert.ok(key.includes("-") || key.includes("_"), "uses the URL-safe alphabet");
    assert.equal(fernetKeyError(key), undefined);
  });

  it("accepts the Fernet spec's example key", () => {
    assert.equal(fernetKeyError("cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="), undefined);
  });

  it("rejects a key of the wrong length or alphabet without echoing it", () => {
    assert.equal(fernetKeyError("c2hvcnQ="), "A Fernet key decodes to 32 bytes, got 5: check it was copied whole");
    const bad = fernetKeyError("cw/0x689RpI+jtRR7oE8h/eQsKImvJapLeSbXpwF4e4=");
    assert.match(bad ?? "", /URL-safe base64/);
    assert.ok(!(bad ?? "").includes("cw/0x"));
    assert.match(fernetKeyError("  ") ?? "", /^The key is empty/);
  });
});
