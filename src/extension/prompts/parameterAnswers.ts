/**
 * What people answer in Run Task's typed prompts, turned into the task's arguments: each answer is
 * checked against its parameter's type (numbers become numbers, JSON is checked structurally), and
 * the answers become one positional argument list. Messages and labels are in the display language.
 * Pure: no vscode import.
 */
import * as l10n from "@vscode/l10n";
import type { ParseResult } from "./argumentParsing";
import type { ParameterDescriptor } from "./parameterReader";
import { describeShape, shapeProblem, type LiteralValue } from "./parameterTypes";

/** An answer: a value, or skipped (Enter on empty, or "Keep the default"): the parameter keeps its default. */
export type Answer = { skipped: true } | { skipped: false; value: unknown };

/** One entry of the pick list a boolean or a union of literals is asked with. */
export interface PickOption {
  label: string;
  /** `"default"` (in the display language) on the option that is the parameter's default. */
  description?: string;
  answer: Answer;
}

/** `width: number = 800`, or `mode?: "fit" | "fill"`: a parameter as its prompt names it. */
export function parameterSignature(parameter: ParameterDescriptor): string {
  const optionalMark = parameter.optional && parameter.defaultText === undefined ? "?" : "";
  const type = parameter.typeText === "" ? "" : `: ${parameter.typeText}`;
  const defaultPart = parameter.defaultText === undefined ? "" : ` = ${parameter.defaultText}`;
  return `${parameter.name}${optionalMark}${type}${defaultPart}`;
}

/** True when the parameter is asked with a pick list (booleans and unions of literals) rather than an input box. */
export function isPicked(parameter: ParameterDescriptor): boolean {
  return parameter.shape.kind === "boolean" || parameter.shape.kind === "literals";
}

/** The pick list of a boolean or a union of literals; an optional parameter whose default is not among them also gets "Keep the default". */
export function pickOptions(parameter: ParameterDescriptor): PickOption[] {
  const values: LiteralValue[] = parameter.shape.kind === "literals" ? parameter.shape.values : [true, false];
  const defaultValue = parameter.defaultValue?.value;
  const defaultMark = l10n.t("default");
  const options: PickOption[] = values.map((value) => ({
    label: typeof value === "string" ? value : String(value),
    description: value === defaultValue ? defaultMark : undefined,
    answer: value === defaultValue ? { skipped: true } : { skipped: false, value },
  }));
  options.sort((a, b) => Number(b.description === defaultMark) - Number(a.description === defaultMark));
  if (parameter.optional && !values.some((v) => v === defaultValue)) {
    options.unshift({ label: keepDefaultLabel(), description: parameter.defaultText ?? l10n.t("leave it out"), answer: { skipped: true } });
  }
  return options;
}

/** The pick option that keeps an optional parameter's default, in the display language. */
function keepDefaultLabel(): string {
  return l10n.t("Keep the default");
}

/**
 * Reads the answer typed for `parameters[index]`. Empty input skips an optional parameter; it is
 * refused when a later parameter is required and this one's default cannot be passed in its place.
 * Strings are taken as typed; numbers must be finite numbers; arrays, objects and other types are
 * JSON, checked against the type. Errors say what was expected and what was got.
 */
export function parseAnswer(parameters: readonly ParameterDescriptor[], index: number, text: string): ParseResult<Answer> {
  const parameter = parameters[index];
  const { name, shape } = parameter;
  const trimmed = text.trim();
  const empty = shape.kind === "string" ? text === "" : trimmed === "";
  if (empty) {
    if (!parameter.optional) return { ok: false, error: l10n.t("{0} is required: type {1}", name, describeShape(shape)) };
    const laterRequired = parameters.slice(index + 1).find((p) => !p.optional);
    if (laterRequired && parameter.defaultValue === undefined) {
      return { ok: false, error: l10n.t("{0} cannot be left empty here: {1} after it is required, and {0}'s default cannot be passed in its place, so type {2}", name, laterRequired.name, describeShape(shape)) };
    }
    return { ok: true, value: { skipped: true } };
  }
  switch (shape.kind) {
    case "string":
      return { ok: true, value: { skipped: false, value: text } };
    case "number": {
      const value = Number(trimmed);
      if (!Number.isFinite(value)) return { ok: false, error: l10n.t("{0} must be a number, got \"{1}\": for example {2}", name, trimmed, example(parameter, "3")) };
      return { ok: true, value: { skipped: false, value } };
    }
    case "boolean":
    case "literals": {
      const option = pickOptions(parameter).find((o) => o.label === trimmed && o.label !== keepDefaultLabel());
      if (!option) return { ok: false, error: l10n.t("{0} must be {1}, got \"{2}\"", name, describeShape(shape), trimmed) };
      return { ok: true, value: option.answer };
    }
    case "array":
    case "object":
    case "union":
    case "null":
    case "json":
      break;
  }
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (err) {
    if (acceptsString(parameter)) return { ok: true, value: { skipped: false, value: text } };
    return { ok: false, error: l10n.t("{0} must be {1} written as JSON, got invalid JSON ({2}): for example {3}", name, describeShape(shape), (err as Error).message, example(parameter, jsonExample(parameter))) };
  }
  const problem = shapeProblem(shape, value, name);
  if (problem === undefined) return { ok: true, value: { skipped: false, value } };
  if (acceptsString(parameter) && typeof value !== "string") return { ok: true, value: { skipped: false, value: text } };
  return { ok: false, error: problem };
}

function acceptsString(parameter: ParameterDescriptor): boolean {
  return parameter.shape.kind === "union" && parameter.shape.members.some((m) => m.kind === "string");
}

function example(parameter: ParameterDescriptor, fallback: string): string {
  return parameter.defaultText !== undefined && parameter.defaultValue !== undefined ? parameter.defaultText : fallback;
}

function jsonExample(parameter: ParameterDescriptor): string {
  switch (parameter.shape.kind) {
    case "array":
      return "[]";
    case "object":
      return `{${(parameter.shape.properties ?? []).filter((p) => !p.optional).map((p) => ` "${p.name}": ...`).join(",")} }`;
    default:
      return l10n.t('"text", 3, true, [1, 2] or {"a": 1}');
  }
}

/**
 * The positional arguments of the answers (one per parameter, in order; fewer when the last ones were
 * not asked). Skipped parameters at the end are left out, so the function's defaults apply; a skipped
 * parameter that a given answer follows is passed its default value.
 */
export function argumentsFromAnswers(parameters: readonly ParameterDescriptor[], answers: readonly Answer[]): ParseResult<unknown[]> {
  let end = answers.length;
  while (end > 0 && answers[end - 1].skipped) end--;
  const args: unknown[] = [];
  for (let i = 0; i < end; i++) {
    const answer = answers[i];
    if (!answer.skipped) {
      args.push(answer.value);
      continue;
    }
    const fallback = parameters[i].defaultValue;
    if (!fallback) {
      const later = parameters[answers.findIndex((a, j) => j > i && !a.skipped)];
      return { ok: false, error: l10n.t("{0} was left empty but {1} was given, and {0}'s default cannot be passed in its place: answer {0} too", parameters[i].name, later?.name ?? l10n.t("a later parameter")) };
    }
    args.push(fallback.value);
  }
  return { ok: true, value: args };
}

/** True when, after this answer, the parameters still to ask keep their defaults anyway (skipped with a default that cannot be passed). */
export function endsAnswers(parameter: ParameterDescriptor, answer: Answer): boolean {
  return answer.skipped && parameter.defaultValue === undefined;
}

