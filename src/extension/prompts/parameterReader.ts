/**
 * Reads a task function's parameters from its module's source: name, type, default and `@param`
 * doc, for the typed prompts of Run Task. It parses one file with the TypeScript compiler API (passed
 * in, never bundled) and reads the syntax only: no program, no type checker, so types declared in
 * the module resolve and imported ones do not. No vscode import.
 */
import * as l10n from "@vscode/l10n";
import type * as TS from "typescript";
import { shapeOfTypeNode, shapeOfValue, type TypeSyntax } from "./parameterShapes";
import type { TypeShape } from "./parameterTypes";

/** One parameter of a task function as Run Task asks for it. */
export interface ParameterDescriptor {
  /** The parameter's name, or the source of its destructuring pattern (`{ format, rows }`). */
  name: string;
  /** The type as written (`"fit" | "fill"`), or the type of its default when there is no annotation (`number`). */
  typeText: string;
  shape: TypeShape;
  /** True when it has a default, a `?`, `| undefined` or a bracketed JSDoc name: Enter on empty skips it. */
  optional: boolean;
  /** The default's source text (`800`), undefined when there is none. */
  defaultText?: string;
  /** The default as a JSON value, when its source is a literal: it fills the place of a skipped parameter a later answer follows. */
  defaultValue?: { value: unknown };
  /** The `@param` doc comment; "" when there is none. */
  doc: string;
}

/** The parameters of a task function, or why they cannot be known (Run Task then asks for one JSON array). */
export type SignatureReading = { ok: true; parameters: ParameterDescriptor[] } | { ok: false; reason: string };

type FunctionNode = TS.ArrowFunction | TS.FunctionExpression | TS.FunctionDeclaration;

/** Top-level declarations of the module by name. */
interface ModuleScope {
  values: Map<string, { node: TS.Node; statement: TS.Node }>;
  types: Map<string, TS.TypeAliasDeclaration | TS.InterfaceDeclaration>;
  exported: Map<string, { node: TS.Node; statement: TS.Node }>;
}

/**
 * Reads the parameters of the task function that `source` (the text of `fileName`) exports as
 * `exportName`: `export const x = task(config, fn)`, `exports.x = task(fn)`, `export { local as x }`
 * or `module.exports = { x: task(fn) }`, where `fn` is written in place or declared in the same module.
 */
export function readTaskParameters(ts: typeof TS, source: string, fileName: string, exportName: string): SignatureReading {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, /\.[mc]?js$/i.test(fileName) ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const scope = moduleScope(ts, file);
  const exported = scope.exported.get(exportName);
  if (!exported) return { ok: false, reason: l10n.t("{0} is not exported by a declaration this module writes out", exportName) };
  const found = taskFunction(ts, scope, exported.node, 0);
  if (typeof found === "string") return { ok: false, reason: found };
  const docSources: TS.Node[] = [found, exported.statement];
  if (found.parent && ts.isVariableDeclaration(found.parent)) docSources.push(found.parent.parent.parent);
  const tags = docSources.flatMap((node) => ts.getJSDocTags(node)).filter(ts.isJSDocParameterTag);
  const syntax: TypeSyntax = { ts, file, types: scope.types };
  const parameters: ParameterDescriptor[] = [];
  let typed = 0;
  for (const parameter of found.parameters) {
    const name = ts.isIdentifier(parameter.name) ? parameter.name.text : parameter.name.getText(file);
    if (parameter.dotDotDotToken) return { ok: false, reason: l10n.t("its rest parameter ...{0} takes any number of arguments", name) };
    const tag = tags.find((t) => t.name.getText(file) === name);
    const described = describeParameter(syntax, parameter, name, tag);
    if (described.typed) typed++;
    parameters.push(described.descriptor);
  }
  if (parameters.length > 0 && typed === 0) {
    return { ok: false, reason: l10n.t("none of its parameters has a type (an annotation, a JSDoc @param {type} or a default value)") };
  }
  return { ok: true, parameters };
}

function describeParameter(syntax: TypeSyntax, parameter: TS.ParameterDeclaration, name: string, tag: TS.JSDocParameterTag | undefined): { descriptor: ParameterDescriptor; typed: boolean } {
  const { ts, file } = syntax;
  const doc = tag ? (ts.getTextOfJSDocComment(tag.comment) ?? "").replace(/^\s*-\s*/, "").trim() : "";
  let optional = parameter.questionToken !== undefined || parameter.initializer !== undefined || tag?.isBracketed === true;
  let defaultText = parameter.initializer?.getText(file);
  let defaultValue = parameter.initializer ? literalValue(ts, parameter.initializer) : undefined;
  if (defaultText === undefined && tag?.isBracketed) {
    const bracket = new RegExp(`\\[\\s*${escapeRegExp(name)}\\s*=\\s*([^\\]]+?)\\s*\\]`).exec(tag.getText(file));
    if (bracket) {
      defaultText = bracket[1];
      defaultValue = jsonValue(bracket[1]);
    }
  }
  let typeNode = parameter.type ?? tag?.typeExpression?.type;
  if (typeNode && ts.isJSDocOptionalType(typeNode)) {
    optional = true;
    typeNode = typeNode.type;
  }
  if (typeNode) {
    const read = shapeOfTypeNode(syntax, typeNode, 0);
    return { descriptor: { name, typeText: typeNode.getText(file), shape: read.shape, optional: optional || read.undefinedAllowed, defaultText, defaultValue, doc }, typed: true };
  }
  const inferred = parameter.initializer ? shapeOfValue(ts, parameter.initializer) : undefined;
  if (inferred) return { descriptor: { name, typeText: inferred.text, shape: inferred.shape, optional, defaultText, defaultValue, doc }, typed: true };
  return { descriptor: { name, typeText: "", shape: { kind: "json" }, optional, defaultText, defaultValue, doc }, typed: false };
}

function moduleScope(ts: typeof TS, file: TS.SourceFile): ModuleScope {
  const scope: ModuleScope = { values: new Map(), types: new Map(), exported: new Map() };
  const exportAliases: Array<[string, string]> = [];
  for (const statement of file.statements) {
    const isExported = ts.canHaveModifiers(statement) && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (!ts.isIdentifier(declaration.name) || !declaration.initializer) continue;
        const entry = { node: declaration.initializer, statement };
        scope.values.set(declaration.name.text, entry);
        if (isExported) scope.exported.set(declaration.name.text, entry);
      }
    } else if (ts.isFunctionDeclaration(statement) && statement.name) {
      scope.values.set(statement.name.text, { node: statement, statement });
    } else if (ts.isTypeAliasDeclaration(statement) || ts.isInterfaceDeclaration(statement)) {
      scope.types.set(statement.name.text, statement);
    } else if (ts.isExportDeclaration(statement) && !statement.moduleSpecifier && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const element of statement.exportClause.elements) exportAliases.push([element.name.text, (element.propertyName ?? element.name).getText(file)]);
    } else if (ts.isExportAssignment(statement) && !statement.isExportEquals) {
      scope.exported.set("default", { node: statement.expression, statement });
    } else if (ts.isExpressionStatement(statement) && ts.isBinaryExpression(statement.expression) && statement.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      commonJsExports(ts, statement, statement.expression, scope);
    }
  }
  for (const [exportedName, local] of exportAliases) {
    const entry = scope.values.get(local);
    if (entry) scope.exported.set(exportedName, entry);
  }
  return scope;
}

/** `exports.x = ...`, `module.exports.x = ...` and `module.exports = { x: ... }`. */
function commonJsExports(ts: typeof TS, statement: TS.ExpressionStatement, assignment: TS.BinaryExpression, scope: ModuleScope): void {
  const target = assignment.left;
  const isModuleExports = (node: TS.Node) => ts.isPropertyAccessExpression(node) && node.name.text === "exports" && ts.isIdentifier(node.expression) && node.expression.text === "module";
  if (ts.isPropertyAccessExpression(target) && ((ts.isIdentifier(target.expression) && target.expression.text === "exports") || isModuleExports(target.expression))) {
    scope.exported.set(target.name.text, { node: assignment.right, statement });
  } else if (isModuleExports(target) && ts.isObjectLiteralExpression(assignment.right)) {
    for (const property of assignment.right.properties) {
      if (ts.isPropertyAssignment(property) && (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))) {
        scope.exported.set(property.name.text, { node: property.initializer, statement });
      } else if (ts.isShorthandPropertyAssignment(property)) {
        const entry = scope.values.get(property.name.text);
        if (entry) scope.exported.set(property.name.text, entry);
      }
    }
  }
}

/** The function a `task(...)` call (or a local name for one) registers, or why it cannot be read. */
function taskFunction(ts: typeof TS, scope: ModuleScope, node: TS.Node, depth: number): FunctionNode | string {
  let expression = node;
  while (ts.isParenthesizedExpression(expression) || ts.isAsExpression(expression) || ts.isSatisfiesExpression(expression)) expression = expression.expression;
  if (ts.isArrowFunction(expression) || ts.isFunctionExpression(expression) || ts.isFunctionDeclaration(expression)) return expression;
  if (ts.isIdentifier(expression)) {
    const local = depth < 4 ? scope.values.get(expression.text) : undefined;
    return local ? taskFunction(ts, scope, local.node, depth + 1) : l10n.t("its function {0} is declared in another module", expression.text);
  }
  if (!ts.isCallExpression(expression)) return l10n.t("it is not written as a task(...) call");
  const inPlace = expression.arguments.find((a) => ts.isArrowFunction(a) || ts.isFunctionExpression(a));
  if (inPlace) return inPlace;
  const reference = expression.arguments.find(ts.isIdentifier);
  if (reference) return taskFunction(ts, scope, reference, depth + 1);
  return l10n.t("its task(...) call is given no function written in this module");
}

/** The JSON value of a literal expression (`800`, `"fit"`, `-1`, `[1, 2]`, `{ a: true }`), or undefined. */
function literalValue(ts: typeof TS, node: TS.Expression): { value: unknown } | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return { value: node.text };
  if (ts.isNumericLiteral(node)) return { value: Number(node.text) };
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(node.operand)) return { value: -Number(node.operand.text) };
  if (node.kind === ts.SyntaxKind.TrueKeyword) return { value: true };
  if (node.kind === ts.SyntaxKind.FalseKeyword) return { value: false };
  if (node.kind === ts.SyntaxKind.NullKeyword) return { value: null };
  if (ts.isArrayLiteralExpression(node)) {
    const items = node.elements.map((e) => literalValue(ts, e));
    return items.every((i) => i !== undefined) ? { value: items.map((i) => i?.value) } : undefined;
  }
  if (ts.isObjectLiteralExpression(node)) {
    const result: Record<string, unknown> = {};
    for (const property of node.properties) {
      if (!ts.isPropertyAssignment(property) || !(ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))) return undefined;
      const item = literalValue(ts, property.initializer);
      if (!item) return undefined;
      result[property.name.text] = item.value;
    }
    return { value: result };
  }
  return undefined;
}

function jsonValue(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
