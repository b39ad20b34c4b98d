import * as assert from "node:assert/strict";
import { argumentsFromAnswers, endsAnswers, parameterSignature, parseAnswer, pickOptions, type Answer } from "../../src/extension/prompts/parameterAnswers";
import type { ParameterDescriptor } from "../../src/extension/prompts/parameterReader";
import type { TypeShape } from "../../src/extension/prompts/parameterTypes";

function parameter(name: string, shape: TypeShape, more: Partial<ParameterDescriptor> = {}): ParameterDescriptor {
  return { name, typeText: shape.kind, shape, optional: false, doc: "", ...more };
}

const path = parameter("path", { kind: "string" }, { typeText: "string" });
const width = parameter("width", { kind: "number" }, { typeText: "number", optional: true, defaultText: "800", defaultValue: { value: 800 } });
const mode = parameter("mode", { kind: "literals", values: ["fit", "fill"] }, { typeText: '"fit" | "fill"', optional: true, defaultText: '"fit"', defaultValue: { value: "fit" } });
const RESIZE = [path, width, mode];

function answer(parameters: ParameterDescriptor[], index: number, text: string): Answer {
  const result = parseAnswer(parameters, index, text);
  assert.ok(result.ok, `expected "${text}" to be accepted for ${parameters[index].name}, got: ${result.ok ? "" : result.error}`);
  return result.value;
}

function refusal(parameters: ParameterDescriptor[], index: number, text: string): string {
  const result = parseAnswer(parameters, index, text);
  assert.ok(!result.ok, `expected "${text}" to be refused for ${parameters[index].name}`);
  return result.error;
}

describe("extension: typed answers", () => {
  it("names a parameter with its type and default", () => {
    assert.equal(parameterSignature(width), "width: number = 800");
    assert.equal(parameterSignature(parameter("dryRun", { kind: "boolean" }, { typeText: "boolean", optional: true })), "dryRun?: boolean");
  });

  it("turns a typed number into a number and takes a string as typed", () => {
    assert.deepEqual(answer(RESIZE, 1, " 3 "), { skipped: false, value: 3 });
    assert.deepEqual(answer(RESIZE, 0, " a b.png"), { skipped: false, value: " a b.png" });
  });

  it("refuses what is not a number, saying what it got", () => {
    assert.equal(refusal(RESIZE, 1, "wide"), 'width must be a number, got "wide": for example 800');
  });

  it("skips an optional parameter on empty input and refuses to skip a required one", () => {
    assert.deepEqual(answer(RESIZE, 1, "  "), { skipped: true });
    assert.equal(refusal(RESIZE, 0, ""), "path is required: type a string");
  });

  it("refuses to skip a parameter whose default cannot be passed when a required one follows", () => {
    const at = parameter("at", { kind: "number" }, { optional: true, defaultText: "Date.now()" });
    assert.match(refusal([at, path], 0, ""), /^at cannot be left empty here: path after it is required/);
  });

  it("offers literals and booleans as a pick list with the default first", () => {
    assert.deepEqual(pickOptions(mode).map((o) => [o.label, o.description]), [["fit", "default"], ["fill", undefined]]);
    const flag = parameter("dryRun", { kind: "boolean" }, { optional: true });
    assert.deepEqual(pickOptions(flag).map((o) => [o.label, o.answer]), [
      ["Keep the default", { skipped: true }],
      ["true", { skipped: false, value: true }],
      ["false", { skipped: false, value: false }],
    ]);
    assert.equal(refusal(RESIZE, 2, "stretch"), 'mode must be one of "fit", "fill", got "stretch"');
  });

  it("reads arrays and objects as JSON and checks them structurally", () => {
    const ids = parameter("ids", { kind: "array", element: { kind: "number" } });
    assert.deepEqual(answer([ids], 0, "[1, 2]"), { skipped: false, value: [1, 2] });
    assert.equal(refusal([ids], 0, '[1, "2"]'), 'ids[1] must be a number, got the string "2"');
    assert.equal(refusal([ids], 0, '{"a": 1}'), "ids must be an array of numbers, got an object");
    const options = parameter("options", {
      kind: "object",
      properties: [
        { name: "format", optional: true, shape: { kind: "literals", values: ["csv", "json"] } },
        { name: "rows", optional: false, shape: { kind: "number" } },
      ],
    });
    assert.deepEqual(answer([options], 0, '{"rows": 2}'), { skipped: false, value: { rows: 2 } });
    assert.equal(refusal([options], 0, '{"rows": 2, "format": "xml"}'), 'options.format must be one of "csv", "json", got the string "xml"');
    assert.equal(refusal([options], 0, "{}"), "options must have rows (a number), got an object without it");
    assert.match(refusal([options], 0, "{rows: 2}"), /^options must be an object \{ format\?, rows \} written as JSON, got invalid JSON \(.+\): for example \{ "rows": \.\.\. \}$/);
  });

  it("takes text that is not JSON as the string of a union with string", () => {
    const target = parameter("target", { kind: "union", members: [{ kind: "string" }, { kind: "number" }] });
    assert.deepEqual(answer([target], 0, "42"), { skipped: false, value: 42 });
    assert.deepEqual(answer([target], 0, "host-1"), { skipped: false, value: "host-1" });
  });
});

describe("extension: answers to arguments", () => {
  it("leaves skipped parameters at the end out, so the function's own defaults apply", () => {
    assert.deepEqual(argumentsFromAnswers(RESIZE, [{ skipped: false, value: "a.png" }, { skipped: true }, { skipped: true }]), { ok: true, value: ["a.png"] });
  });

  it("passes a skipped parameter's default when a later answer follows it", () => {
    assert.deepEqual(argumentsFromAnswers(RESIZE, [{ skipped: false, value: "a.png" }, { skipped: true }, { skipped: false, value: "fill" }]), { ok: true, value: ["a.png", 800, "fill"] });
  });

  it("stops asking after a skipped parameter whose default is not a literal", () => {
    const at = parameter("at", { kind: "number" }, { optional: true, defaultText: "Date.now()" });
    assert.equal(endsAnswers(at, { skipped: true }), true);
    assert.equal(endsAnswers(width, { skipped: true }), false);
    assert.match(
      (argumentsFromAnswers([at, width], [{ skipped: true }, { skipped: false, value: 3 }]) as { error: string }).error,
      /^at was left empty but width was given/,
    );
  });
});
