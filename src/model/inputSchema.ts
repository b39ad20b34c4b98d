/**
 * The schema of a person's input (`waitForInput`): a JSON Schema subset, checked by
 * @cfworker/json-schema, which interprets schemas instead of generating code (no eval or new
 * Function, so it runs in the engine, the webviews and task workers alike). The engine, the CLI, the
 * HTTP API and the task panel's form all check with the functions here, so they give the same errors.
 */
import { Validator, type OutputUnit, type Schema } from "@cfworker/json-schema";
import { describeValue, isPlainObject } from "./describe";
import { ValidationError } from "./schemas";

/** The JSON types a schema's `type` may name. */
export type InputSchemaType = "object" | "array" | "string" | "number" | "integer" | "boolean" | "null";

/** The JSON Schema subset `waitForInput` takes. */
export interface InputSchema {
  type?: InputSchemaType;
  properties?: Record<string, InputSchema>;
  required?: string[];
  items?: InputSchema;
  enum?: unknown[];
  const?: unknown;
  title?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

/** The keywords of the subset, in the order error messages list them. */
export const INPUT_SCHEMA_KEYWORDS: readonly (keyof InputSchema)[] = [
  "type", "properties", "required", "items", "enum", "const", "title", "description", "default",
  "minimum", "maximum", "minLength", "maxLength", "pattern",
];

const TYPES: readonly InputSchemaType[] = ["object", "array", "string", "number", "integer", "boolean", "null"];

/** The subset itself, as a schema: what checkInputSchema holds a schema to. */
const META_SCHEMA: Schema = {
  $id: "https://taskflow.invalid/input-schema",
  $ref: "#/$defs/node",
  $defs: {
    node: {
      type: "object",
      additionalProperties: false,
      properties: {
        type: { enum: [...TYPES] },
        properties: { type: "object", additionalProperties: { $ref: "#/$defs/node" } },
        required: { type: "array", items: { type: "string" } },
        items: { $ref: "#/$defs/node" },
        enum: { type: "array", minItems: 1 },
        const: {},
        title: { type: "string" },
        description: { type: "string" },
        default: {},
        minimum: { type: "number" },
        maximum: { type: "number" },
        minLength: { type: "integer", minimum: 0 },
        maxLength: { type: "integer", minimum: 0 },
        pattern: { type: "string" },
      },
    },
  },
};

let metaValidator: Validator | undefined;

/** One thing wrong with a value (or a schema): where, as a dot path ("" for the whole value), and what. */
export interface InputProblem {
  path: string;
  message: string;
}

/** "#/a/0/b" as "a.0.b"; "" for the root. */
function dotPath(location: string): string {
  return location.replace(/^#\/?/, "").split("/").filter((p) => p !== "").map((p) => decodeURIComponent(p.replaceAll("~1", "/").replaceAll("~0", "~"))).join(".");
}

/** The value at a dot path of `root`, for messages that show what was given. */
function valueAt(root: unknown, path: string): unknown {
  let value = root;
  for (const part of path === "" ? [] : path.split(".")) value = (value as Record<string, unknown> | undefined)?.[part];
  return value;
}

/** The schema node a keyword location points into (`#/properties/n/minimum` gives the `n` node). */
function schemaAt(schema: unknown, keywordLocation: string): Record<string, unknown> | undefined {
  const parts = dotPath(keywordLocation).split(".");
  parts.pop();
  let node = schema;
  for (const part of parts) node = (node as Record<string, unknown> | undefined)?.[part];
  return isPlainObject(node) ? node : undefined;
}

/** Aggregating keywords report "a property did not match": their children say which and why. */
const AGGREGATES = new Set(["properties", "items", "additionalProperties", "$ref", "allOf", "anyOf", "oneOf", "$defs"]);

function problemsOf(errors: readonly OutputUnit[], schema: unknown, value: unknown): InputProblem[] {
  const out: InputProblem[] = [];
  const seen = new Set<string>();
  for (const unit of errors) {
    if (AGGREGATES.has(unit.keyword)) continue;
    const at = dotPath(unit.instanceLocation);
    const node = schemaAt(schema, unit.keywordLocation);
    const got = valueAt(value, at);
    let path = at;
    let message: string;
    switch (unit.keyword) {
      case "required": {
        const name = /"(.*)"/.exec(unit.error)?.[1] ?? "";
        path = at === "" ? name : `${at}.${name}`;
        message = "is required";
        break;
      }
      case "type":
        message = `expected ${String(node?.type ?? "another type")}, got ${describeValue(got)}`;
        break;
      case "enum":
        message = `expected one of ${((node?.enum as unknown[] | undefined) ?? []).map((e) => JSON.stringify(e)).join(", ")}, got ${describeValue(got)}`;
        break;
      case "const":
        message = `expected ${JSON.stringify(node?.const)}, got ${describeValue(got)}`;
        break;
      default:
        message = unit.error.replace(/\.$/, "");
    }
    const key = `${path}\n${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
  }
  return out;
}

/**
 * What is wrong with `schema` as a waitForInput schema, or undefined when it is one: the first
 * problem, naming where (`properties.approve.type`) and what the subset allows.
 */
export function inputSchemaProblem(schema: unknown): string | undefined {
  if (!isPlainObject(schema)) return `a schema must be an object such as { type: "object", properties: { ... } }, got ${describeValue(schema)}`;
  metaValidator ??= new Validator(META_SCHEMA, "2020-12", false);
  const result = metaValidator.validate(schema);
  if (result.valid) return badPattern(schema, "");
  // The deepest leaf says what is wrong; the units above it only say that a subschema had errors.
  let worst: OutputUnit | undefined;
  for (const unit of result.errors) {
    if (AGGREGATES.has(unit.keyword)) continue;
    if (worst === undefined || unit.instanceLocation.length > worst.instanceLocation.length) worst = unit;
  }
  if (worst === undefined) return "the schema does not match the JSON Schema subset waitForInput takes";
  const at = dotPath(worst.instanceLocation);
  const where = at === "" ? "the schema" : `schema.${at}`;
  const got = describeValue(valueAt(schema, at));
  if (worst.keyword === "false") return `${where} is not a keyword of the schema subset: use ${INPUT_SCHEMA_KEYWORDS.join(", ")}`;
  if (at.endsWith("type") && worst.keyword === "enum") return `${where} must be one of ${TYPES.join(", ")}, got ${got}`;
  const expected = /Expected "(.*)"/.exec(worst.error)?.[1];
  if (expected !== undefined) return `${where} must be ${expected === "array" || expected === "object" || expected === "integer" ? "an" : "a"} ${expected}, got ${got}`;
  return `${where}: ${worst.error.replace(/\.$/, "")}`;
}

/** A `pattern` that is not a regular expression, found before a value ever meets it. */
function badPattern(node: Record<string, unknown>, at: string): string | undefined {
  if (typeof node.pattern === "string") {
    try {
      new RegExp(node.pattern, "u");
    } catch (error) {
      return `schema.${at}pattern is not a regular expression: ${(error as Error).message}`;
    }
  }
  for (const [name, child] of Object.entries((node.properties as Record<string, Record<string, unknown>> | undefined) ?? {})) {
    const found = badPattern(child, `${at}properties.${name}.`);
    if (found) return found;
  }
  return isPlainObject(node.items) ? badPattern(node.items, `${at}items.`) : undefined;
}

const validators = new WeakMap<object, Validator>();

/** Everything `value` breaks in `schema` (a schema inputSchemaProblem accepts); empty when it matches. */
export function inputProblems(schema: InputSchema, value: unknown): InputProblem[] {
  let validator = validators.get(schema);
  if (validator === undefined) {
    validator = new Validator(schema, "2020-12", false);
    validators.set(schema, validator);
  }
  const result = validator.validate(value);
  return result.valid ? [] : problemsOf(result.errors, schema, value);
}

/** One problem as a sentence: `approve: expected boolean, got "yes"`. */
export function describeProblem(problem: InputProblem): string {
  return problem.path === "" ? `the value: ${problem.message}` : `${problem.path}: ${problem.message}`;
}

/**
 * Throws a ValidationError naming the field and what was expected when `value` does not match
 * `schema` (null: any JSON value is taken).
 */
export function checkInput(schema: InputSchema | null, value: unknown, name: string): void {
  if (schema === null) return;
  const problems = inputProblems(schema, value);
  if (problems.length === 0) return;
  const listed = problems.slice(0, 5).map(describeProblem).join("; ");
  throw new ValidationError(`the input ${JSON.stringify(name)} does not match its schema: ${listed}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ""}`, problems[0].path);
}
