/**
 * The input form of a run waiting for input, as data: the fields a schema gives (inputFields), the
 * value the typed text makes (formValue), and the schema's problems with that value placed under the
 * field they concern (fieldProblems). Pure and free of the DOM, so it is unit-tested in Node; the
 * problems are the engine's own (inputProblems), so the form and provideInput never disagree.
 */
import * as l10n from "@vscode/l10n";
import { inputProblems, type InputProblem, type InputSchema } from "../../src/model/inputSchema";

interface FieldBase {
  /** Property names from the root value; empty for the root value itself. */
  path: string[];
  /** The schema's title, else the property name; "Value" for the root. */
  label: string;
  /** The schema's description; null for none. */
  description: string | null;
  /** Listed in its object's `required`. */
  required: boolean;
}

/** One control of the form. `initial` is its raw state before anything is typed (from `default`). */
export type FormField =
  | FieldBase & { kind: "text"; initial: string }
  | FieldBase & { kind: "number"; integer: boolean; initial: string }
  | FieldBase & { kind: "checkbox"; initial: boolean }
  /** A dropdown; `initial` indexes `options`, -1 for none chosen. */
  | FieldBase & { kind: "enum"; options: unknown[]; initial: number }
  /** A nested object's properties, drawn as a fieldset. */
  | FieldBase & { kind: "group"; fields: FormField[] }
  /** Arrays, null and anything without a simpler control: JSON typed as text. */
  | FieldBase & { kind: "json"; initial: string };

/** What a field holds: the text of text, number and JSON fields, a checkbox's state, a dropdown's index. */
export type RawValue = string | boolean | number;

/** Raw values by field id (fieldId). */
export type RawValues = Record<string, RawValue>;

/** The id of a field: its path joined with dots, "" for the root. */
export function fieldId(path: readonly string[]): string {
  return path.join(".");
}

/** How an enum option reads in the dropdown: strings as they are, anything else as JSON. */
export function optionLabel(option: unknown): string {
  return typeof option === "string" ? option : JSON.stringify(option);
}

function field(schema: InputSchema, path: string[], label: string, required: boolean, fallback: unknown): FormField {
  const base: FieldBase = { path, label: schema.title ?? label, description: schema.description ?? null, required };
  const initialValue = schema.default !== undefined ? schema.default : fallback;
  const options = schema.enum ?? (schema.const !== undefined ? [schema.const] : undefined);
  if (options !== undefined) {
    const at = options.findIndex((o) => JSON.stringify(o) === JSON.stringify(initialValue));
    return { ...base, kind: "enum", options, initial: at >= 0 ? at : required && options.length === 1 ? 0 : -1 };
  }
  switch (schema.type) {
    case "object":
      if (schema.properties === undefined) break;
      return {
        ...base,
        kind: "group",
        fields: Object.entries(schema.properties).map(([name, child]) =>
          field(child, [...path, name], name, (schema.required ?? []).includes(name), (initialValue as Record<string, unknown> | undefined)?.[name])),
      };
    case "string":
      return { ...base, kind: "text", initial: typeof initialValue === "string" ? initialValue : "" };
    case "number":
    case "integer":
      return { ...base, kind: "number", integer: schema.type === "integer", initial: typeof initialValue === "number" ? String(initialValue) : "" };
    case "boolean":
      return { ...base, kind: "checkbox", initial: initialValue === true };
    case "array":
    case "null":
    case undefined:
      break;
  }
  return { ...base, kind: "json", initial: initialValue === undefined ? "" : JSON.stringify(initialValue, null, 2) };
}

/** The form of a wait's schema: one field for a scalar or no schema (JSON), a group for an object with properties. */
export function inputFields(schema: InputSchema | null): FormField {
  if (schema === null) return { path: [], label: l10n.t("Value"), description: l10n.t("Any JSON value."), required: true, kind: "json", initial: "" };
  return field(schema, [], l10n.t("Value"), true, undefined);
}

/** Every field's raw value before anything is typed. */
export function initialValues(root: FormField): RawValues {
  const values: RawValues = {};
  const visit = (f: FormField): void => {
    if (f.kind === "group") f.fields.forEach(visit);
    else values[fieldId(f.path)] = f.initial;
  };
  visit(root);
  return values;
}

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/**
 * The value the raw values make, and what could not be read at all (text that is not JSON in a JSON
 * field). An empty field is left out of its object (the schema then says whether it was required);
 * number text that is not a number is passed on as text, so the schema says what it expected.
 */
export function formValue(root: FormField, raw: RawValues): { value: unknown; problems: InputProblem[] } {
  const problems: InputProblem[] = [];
  const read = (f: FormField): unknown => {
    const id = fieldId(f.path);
    const r = raw[id];
    switch (f.kind) {
      case "group": {
        const object: Record<string, unknown> = {};
        for (const child of f.fields) {
          const value = read(child);
          if (value !== undefined) object[child.path[child.path.length - 1]] = value;
        }
        return object;
      }
      case "checkbox":
        return r === true;
      case "enum":
        return typeof r === "number" && r >= 0 && r < f.options.length ? f.options[r] : undefined;
      case "text":
        return typeof r === "string" && r !== "" ? r : undefined;
      case "number":
        if (typeof r !== "string" || r.trim() === "") return undefined;
        return NUMBER.test(r) ? Number(r) : r;
      case "json": {
        if (typeof r !== "string" || r.trim() === "") {
          if (f.path.length === 0) problems.push({ path: id, message: l10n.t("enter a JSON value, such as true, 3, \"text\" or { \"key\": 1 }") });
          return undefined;
        }
        try {
          return JSON.parse(r) as unknown;
        } catch (error) {
          problems.push({ path: id, message: l10n.t("is not JSON: {0}", (error as Error).message) });
          return undefined;
        }
      }
    }
  };
  const value = read(root);
  if (value === undefined && problems.length === 0) problems.push({ path: "", message: l10n.t("enter a value") });
  return { value, problems };
}

/** The ids of the fields that show problems: every field but a group. */
function leafIds(root: FormField): string[] {
  const ids: string[] = [];
  const visit = (f: FormField): void => (f.kind === "group" ? f.fields.forEach(visit) : void ids.push(fieldId(f.path)));
  visit(root);
  return ids;
}

/**
 * Each problem under the deepest field it concerns (a problem in a JSON field's array, `tags.0`,
 * under `tags`); problems no field holds (the value as a whole, a nested object) under "".
 */
export function placeProblems(root: FormField, problems: readonly InputProblem[]): Map<string, string[]> {
  const ids = leafIds(root);
  const placed = new Map<string, string[]>();
  for (const problem of problems) {
    const owner = ids
      .filter((id) => id === problem.path || (id !== "" && problem.path.startsWith(`${id}.`)))
      .sort((a, b) => b.length - a.length)[0] ?? "";
    const inside = owner === "" || owner === problem.path ? "" : `${problem.path.slice(owner.length + 1)}: `;
    const list = placed.get(owner) ?? [];
    list.push(owner === "" && problem.path !== "" ? `${problem.path}: ${problem.message}` : `${inside}${problem.message}`);
    placed.set(owner, list);
  }
  return placed;
}

/** The value and every problem with it, by field id; `ok` when there is none and the form may be sent. */
export function checkForm(schema: InputSchema | null, root: FormField, raw: RawValues): { value: unknown; problems: Map<string, string[]>; ok: boolean } {
  const read = formValue(root, raw);
  const unread = read.problems.map((p) => p.path);
  // A field that could not be read is missing from the value: its "is required" would only repeat that.
  const checked = schema === null || unread.includes("") ? [] : inputProblems(schema, read.value)
    .filter((p) => !unread.some((id) => p.path === id || p.path.startsWith(`${id}.`)));
  const all = [...read.problems, ...checked];
  return { value: read.value, problems: placeProblems(root, all), ok: all.length === 0 };
}
