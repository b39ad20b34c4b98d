/**
 * How Provide Input asks for a wait's value, and how it reads what was typed, from the wait's
 * schema. No vscode import, so unit tests check it in plain Node.
 */
import * as l10n from "@vscode/l10n";
import { describeProblem, inputProblems, type InputSchema } from "../../model/inputSchema";

/** One choice of a quick pick: what it shows and the value it gives. */
export interface InputChoice {
  label: string;
  value: unknown;
}

/**
 * How the value is asked for: a quick pick for a boolean or an enum; an input box taking the text
 * as typed for a string; otherwise an input box taking JSON (any JSON value without a schema).
 */
export type InputAnswerForm = { kind: "pick"; choices: InputChoice[] } | { kind: "text" } | { kind: "json" };

export function inputAnswerForm(schema: InputSchema | null): InputAnswerForm {
  if (schema === null) return { kind: "json" };
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    return { kind: "pick", choices: schema.enum.map((value) => ({ label: typeof value === "string" ? value : JSON.stringify(value), value })) };
  }
  if (schema.type === "boolean") return { kind: "pick", choices: [{ label: "true", value: true }, { label: "false", value: false }] };
  if (schema.type === "string") return { kind: "text" };
  return { kind: "json" };
}

/** What the input box starts with: the schema's default, as the form reads it back; empty without one. */
export function initialAnswer(schema: InputSchema | null, form: InputAnswerForm): string {
  const fallback = schema?.default;
  if (fallback === undefined) return "";
  return form.kind === "text" && typeof fallback === "string" ? fallback : JSON.stringify(fallback);
}

/**
 * The value `text` gives under `form`, or why it is refused: not JSON, or what the schema says is
 * wrong, in the words the engine uses (describeProblem), so the box refuses what provideInput would.
 */
export function parseInputAnswer(schema: InputSchema | null, form: InputAnswerForm, text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  let value: unknown = text;
  if (form.kind !== "text") {
    try {
      value = JSON.parse(text);
    } catch (err) {
      const example = schema?.type === "object" ? '{ "approve": true }' : schema?.type === "array" ? "[1, 2]" : '"text", 3, true or { "a": 1 }';
      const got = text.trim() === "" ? l10n.t("nothing") : l10n.t("text that is not JSON ({0})", (err as Error).message);
      return { ok: false, error: l10n.t("Type a JSON value such as {0}, got {1}", example, got) };
    }
  }
  if (schema === null) return { ok: true, value };
  const problems = inputProblems(schema, value);
  if (problems.length === 0) return { ok: true, value };
  const first = describeProblem(problems[0]);
  return { ok: false, error: problems.length > 1 ? l10n.t("{0} (and {1} more)", first, problems.length - 1) : first };
}
