import * as assert from "node:assert/strict";
import type { InputSchema } from "../../src/model/inputSchema";
import { initialAnswer, inputAnswerForm, parseInputAnswer } from "../../src/extension/commands/inputAnswer";

const approval: InputSchema = { type: "object", properties: { approve: { type: "boolean" }, note: { type: "string" } }, required: ["approve"], default: { approve: false } };

describe("extension: Provide Input answers", () => {
  it("offers a quick pick for a boolean and for an enum, text for a string, JSON otherwise", () => {
    assert.deepEqual(inputAnswerForm({ type: "boolean" }), { kind: "pick", choices: [{ label: "true", value: true }, { label: "false", value: false }] });
    assert.deepEqual(inputAnswerForm({ enum: ["low", 2, null] }), { kind: "pick", choices: [{ label: "low", value: "low" }, { label: "2", value: 2 }, { label: "null", value: null }] });
    assert.deepEqual(inputAnswerForm({ type: "string", minLength: 2 }), { kind: "text" });
    assert.deepEqual(inputAnswerForm(approval), { kind: "json" });
    assert.deepEqual(inputAnswerForm(null), { kind: "json" });
  });

  it("takes a string answer as typed and JSON answers parsed", () => {
    assert.deepEqual(parseInputAnswer({ type: "string" }, { kind: "text" }, 'say "hi"'), { ok: true, value: 'say "hi"' });
    assert.deepEqual(parseInputAnswer(approval, { kind: "json" }, '{"approve": true, "note": "ok"}'), { ok: true, value: { approve: true, note: "ok" } });
    assert.deepEqual(parseInputAnswer(null, { kind: "json" }, "[1, 2]"), { ok: true, value: [1, 2] });
  });

  it("refuses text that is not JSON, saying what to type", () => {
    const result = parseInputAnswer(approval, { kind: "json" }, "{approve: yes}");
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.error : "", /^Type a JSON value such as \{ "approve": true \}, got text that is not JSON \(/);
    const empty = parseInputAnswer(null, { kind: "json" }, " ");
    assert.match(!empty.ok ? empty.error : "", /got nothing$/);
  });

  it("refuses a value the schema refuses with the engine's words for the field", () => {
    const result = parseInputAnswer(approval, { kind: "json" }, '{"approve": "yes"}');
    assert.deepEqual(result, { ok: false, error: 'approve: expected boolean, got the string "yes"' });
    assert.deepEqual(parseInputAnswer(approval, { kind: "json" }, '{"note": "x"}'), { ok: false, error: "approve: is required" });
    const short = parseInputAnswer({ type: "string", minLength: 3 }, { kind: "text" }, "ab");
    assert.match(!short.ok ? short.error : "", /^the value: /);
  });

  it("starts the box with the schema's default", () => {
    assert.equal(initialAnswer(approval, { kind: "json" }), '{"approve":false}');
    assert.equal(initialAnswer({ type: "string", default: "n/a" }, { kind: "text" }), "n/a");
    assert.equal(initialAnswer(null, { kind: "json" }), "");
  });
});
