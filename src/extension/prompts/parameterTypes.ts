/**
 * The shapes of task parameters that Run Task can check an answer against, how each is named in an
 * error message (in the display language), and the structural check itself. Pure: no vscode import.
 */
import * as l10n from "@vscode/l10n";
import { describeValue, isPlainObject } from "../../model";

/** A literal a union of literals may hold (`"fit" | "fill"`, `1 | 2`, `true`). */
export type LiteralValue = string | number | boolean;

/** One property of an object shape (from a type literal or an interface declared in the module). */
export interface PropertyShape {
  name: string;
  optional: boolean;
  shape: TypeShape;
}

/** What a parameter's type asks for, as far as the source tells without a type checker. */
export type TypeShape =
  | { kind: "string" }
  | { kind: "number" }
  | { kind: "boolean" }
  | { kind: "null" }
  | { kind: "literals"; values: LiteralValue[] }
  | { kind: "array"; element: TypeShape }
  /** `properties` undefined: any object (a `Record`, an index signature, `object`). */
  | { kind: "object"; properties?: PropertyShape[] }
  | { kind: "union"; members: TypeShape[] }
  /** Any JSON value: `unknown`, `any`, or a type the source does not spell out (imported, generic). */
  | { kind: "json" };

/** `a number`, `one of "fit", "fill"`, `an array of strings`, `an object { format?, rows? }`. */
export function describeShape(shape: TypeShape): string {
  switch (shape.kind) {
    case "string":
      return l10n.t("a string");
    case "number":
      return l10n.t("a number");
    case "boolean":
      return l10n.t("true or false");
    case "null":
      return "null";
    case "literals":
      return shape.values.length === 1 ? JSON.stringify(shape.values[0]) : l10n.t("one of {0}", shape.values.map((v) => JSON.stringify(v)).join(", "));
    case "array":
      return l10n.t("an array of {0}", pluralOf(shape.element));
    case "object":
      return shape.properties ? l10n.t("an object {0}", `{ ${shape.properties.map((p) => `${p.name}${p.optional ? "?" : ""}`).join(", ")} }`) : l10n.t("an object");
    case "union":
      return shape.members.map(describeShape).reduce<string | undefined>((all, member) => (all === undefined ? member : l10n.t("{0} or {1}", all, member)), undefined) ?? "";
    case "json":
      return l10n.t("a JSON value");
  }
}

function pluralOf(shape: TypeShape): string {
  switch (shape.kind) {
    case "string":
      return l10n.t("strings");
    case "number":
      return l10n.t("numbers");
    case "boolean":
      return l10n.t("booleans");
    case "object":
      return l10n.t("objects");
    case "array":
      return l10n.t("arrays");
    case "json":
      return l10n.t("JSON values");
    case "null":
    case "literals":
    case "union":
      return `(${describeShape(shape)})`;
  }
}

/**
 * Why `value` does not fit `shape`, naming the path (`options.rows must be a number, got the string "2"`),
 * or undefined when it fits. Objects are checked for their required properties and the kinds of the
 * properties the shape knows; other properties are allowed.
 */
export function shapeProblem(shape: TypeShape, value: unknown, path: string): string | undefined {
  const wrong = () => l10n.t("{0} must be {1}, got {2}", path, describeShape(shape), describeValue(value));
  switch (shape.kind) {
    case "json":
      return undefined;
    case "string":
    case "number":
    case "boolean":
      return typeof value === shape.kind ? undefined : wrong();
    case "null":
      return value === null ? undefined : wrong();
    case "literals":
      return shape.values.some((v) => v === value) ? undefined : wrong();
    case "union":
      return shape.members.some((m) => shapeProblem(m, value, path) === undefined) ? undefined : wrong();
    case "array": {
      if (!Array.isArray(value)) return wrong();
      for (let i = 0; i < value.length; i++) {
        const problem = shapeProblem(shape.element, value[i], `${path}[${i}]`);
        if (problem) return problem;
      }
      return undefined;
    }
    case "object": {
      if (!isPlainObject(value)) return wrong();
      for (const property of shape.properties ?? []) {
        const present = Object.prototype.hasOwnProperty.call(value, property.name);
        if (!present) {
          if (property.optional) continue;
          return l10n.t("{0} must have {1} ({2}), got {3} without it", path, property.name, describeShape(property.shape), describeValue(value));
        }
        const problem = shapeProblem(property.shape, value[property.name], `${path}.${property.name}`);
        if (problem) return problem;
      }
      return undefined;
    }
  }
}
