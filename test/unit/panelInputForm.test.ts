import * as assert from "node:assert/strict";
import { checkInput, type InputSchema } from "../../src/model/inputSchema";
import { checkForm, formValue, initialValues, inputFields, placeProblems, type FormField } from "../../webview/taskPanel/inputFormModel";

const approval: InputSchema = {
  type: "object",
  required: ["approve", "seats"],
  properties: {
    approve: { type: "boolean", title: "Approve", description: "Let the account be created" },
    seats: { type: "integer", minimum: 1, maximum: 10, default: 2 },
    plan: { enum: ["free", "team", "enterprise"], default: "team" },
    note: { type: "string", maxLength: 5 },
    address: { type: "object", required: ["city"], properties: { city: { type: "string" }, zip: { type: "string", pattern: "^[0-9]{5}$" } } },
    emails: { type: "array", items: { type: "string" } },
  },
};

function summary(f: FormField): unknown {
  const base = `${f.kind} ${f.path.join(".") || "(root)"} "${f.label}"${f.required ? " required" : ""}`;
  return f.kind === "group" ? [base, ...f.fields.map(summary)] : `${base} = ${JSON.stringify(f.initial)}`;
}

describe("task panel: the input form model", () => {
  it("makes a field per property: text, number, checkbox, dropdown, fieldset, and JSON for the rest, with titles, required marks and defaults", () => {
    const root = inputFields(approval);
    assert.deepEqual(summary(root), [
      'group (root) "Value" required',
      'checkbox approve "Approve" required = false',
      'number seats "seats" required = "2"',
      'enum plan "plan" = 1',
      'text note "note" = ""',
      ['group address "address"', 'text address.city "city" required = ""', 'text address.zip "zip" = ""'],
      'json emails "emails" = ""',
    ]);
    assert.equal(root.kind === "group" && root.fields[0].description, "Let the account be created");
    const plan = root.kind === "group" ? root.fields[2] : undefined;
    assert.deepEqual(plan?.kind === "enum" && plan.options, ["free", "team", "enterprise"]);
  });

  it("takes a nested object's default for its fields, and one JSON field without a schema or for a scalar root", () => {
    const root = inputFields({ type: "object", default: { a: "x" }, properties: { a: { type: "string" } } });
    assert.deepEqual(summary(root), ['group (root) "Value" required', 'text a "a" = "x"']);
    assert.deepEqual(summary(inputFields(null)), 'json (root) "Value" required = ""');
    assert.deepEqual(summary(inputFields({ type: "number", title: "Amount" })), 'number (root) "Amount" required = ""');
    assert.deepEqual(summary(inputFields({ type: "array", default: [1] })), 'json (root) "Value" required = "[\\n  1\\n]"');
  });

  it("reads the typed values into the value: empty fields left out, numbers parsed, other number text passed on for the schema to refuse", () => {
    const root = inputFields(approval);
    const raw = { ...initialValues(root), approve: true, seats: "abc", note: "", "address.city": "Bonn", emails: '["a@b.c"]' };
    assert.deepEqual(formValue(root, raw), { value: { approve: true, seats: "abc", plan: "team", address: { city: "Bonn" }, emails: ["a@b.c"] }, problems: [] });
    assert.deepEqual(formValue(root, { ...raw, seats: " 3 ", plan: -1 }).value, { approve: true, seats: 3, address: { city: "Bonn" }, emails: ["a@b.c"] });
  });

  it("gives the engine's problems under the field they concern, and refuses until they are fixed", () => {
    const root = inputFields(approval);
    const raw = { ...initialValues(root), seats: "abc", note: "too long", "address.zip": "12", emails: '["x", 3]' };
    const checked = checkForm(approval, root, raw);
    assert.equal(checked.ok, false);
    assert.deepEqual(Object.fromEntries(checked.problems), {
      seats: ['expected integer, got the string "abc"'],
      note: ["String is too long (8 > 5)"],
      "address.city": ["is required"],
      "address.zip": ["String does not match pattern"],
      emails: ["1: expected string, got the number 3"],
    });
    assert.throws(() => checkInput(approval, checked.value, "approval"), (e: Error) =>
      e.message.includes('seats: expected integer, got the string "abc"') && e.message.includes("emails.1: expected string, got the number 3"), "the engine says the same");
    const below = checkForm(approval, root, { ...raw, seats: "0", note: "ok", "address.city": "Bonn", "address.zip": "53111", emails: "" });
    assert.deepEqual(Object.fromEntries(below.problems), { seats: ["0 is less than 1"] });
    const fixed = checkForm(approval, root, { ...raw, seats: "3", note: "ok", "address.city": "Bonn", "address.zip": "53111", emails: "" });
    assert.deepEqual([fixed.ok, fixed.value], [true, { approve: false, seats: 3, plan: "team", note: "ok", address: { city: "Bonn", zip: "53111" } }]);
  });

  it("says a JSON field that is not JSON, without a required error for the value it left out", () => {
    const root = inputFields(approval);
    const checked = checkForm(approval, root, { ...initialValues(root), "address.city": "Bonn", emails: "[1," });
    assert.equal(checked.ok, false);
    assert.match(checked.problems.get("emails")?.[0] ?? "", /^is not JSON: /);
    assert.equal(checked.problems.size, 1);
  });

  it("asks for a value when there is no schema, and takes any JSON then", () => {
    const root = inputFields(null);
    assert.deepEqual(Object.fromEntries(checkForm(null, root, { "": "" }).problems), { "": ['enter a JSON value, such as true, 3, "text" or { "key": 1 }'] });
    assert.deepEqual(checkForm(null, root, { "": '{"any": [1]}' }), { value: { any: [1] }, problems: new Map(), ok: true });
  });

  it("puts a problem no field holds under the form as a whole, naming where", () => {
    const root = inputFields(approval);
    const placed = placeProblems(root, [{ path: "", message: "expected object" }, { path: "address", message: "expected object, got null" }]);
    assert.deepEqual(Object.fromEntries(placed), { "": ["expected object", "address: expected object, got null"] });
  });
});
