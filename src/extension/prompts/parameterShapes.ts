/**
 * Type syntax to TypeShape: what a type annotation (or a JSDoc type) in a task module asks for,
 * read from the syntax tree alone. Names declared in the same module (`type Mode = ...`,
 * `interface Options {...}`) are followed; anything else is "any JSON value". No vscode import.
 */
import type * as TS from "typescript";
import type { LiteralValue, PropertyShape, TypeShape } from "./parameterTypes";

/** The parsed module and its top-level type declarations, by name. */
export interface TypeSyntax {
  ts: typeof TS;
  file: TS.SourceFile;
  types: Map<string, TS.TypeAliasDeclaration | TS.InterfaceDeclaration>;
}

/** A type read from syntax; `undefinedAllowed` when a union admits `undefined` (the parameter may be left out). */
export interface ShapeReading {
  shape: TypeShape;
  undefinedAllowed: boolean;
}

const JSON_VALUE: TypeShape = { kind: "json" };
/** How deep named types are followed, so a recursive type ends. */
const MAX_DEPTH = 6;

/** The shape of a type node. */
export function shapeOfTypeNode(syntax: TypeSyntax, node: TS.TypeNode, depth: number): ShapeReading {
  const { ts } = syntax;
  const plain = (shape: TypeShape): ShapeReading => ({ shape, undefinedAllowed: false });
  if (depth > MAX_DEPTH) return plain(JSON_VALUE);
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return plain({ kind: "string" });
    case ts.SyntaxKind.NumberKeyword:
      return plain({ kind: "number" });
    case ts.SyntaxKind.BooleanKeyword:
      return plain({ kind: "boolean" });
    case ts.SyntaxKind.ObjectKeyword:
      return plain({ kind: "object" });
    case ts.SyntaxKind.UndefinedKeyword:
    case ts.SyntaxKind.VoidKeyword:
      return { shape: JSON_VALUE, undefinedAllowed: true };
    default:
      break;
  }
  if (ts.isParenthesizedTypeNode(node) || ts.isJSDocNullableType(node) || ts.isJSDocNonNullableType(node)) {
    const inner = shapeOfTypeNode(syntax, node.type, depth + 1);
    return ts.isJSDocNullableType(node) ? { ...inner, shape: unionOf([inner.shape, { kind: "null" }]) } : inner;
  }
  if (ts.isLiteralTypeNode(node)) return plain(literalShape(ts, node));
  if (ts.isUnionTypeNode(node)) {
    const members = node.types.map((t) => shapeOfTypeNode(syntax, t, depth + 1));
    const undefinedAllowed = members.some((m) => m.undefinedAllowed);
    const kept = members.filter((m, i) => !(m.undefinedAllowed && isUndefinedNode(ts, node.types[i]))).map((m) => m.shape);
    return { shape: unionOf(kept), undefinedAllowed };
  }
  if (ts.isArrayTypeNode(node)) return plain({ kind: "array", element: shapeOfTypeNode(syntax, node.elementType, depth + 1).shape });
  if (ts.isTupleTypeNode(node)) return plain({ kind: "array", element: JSON_VALUE });
  if (ts.isTypeLiteralNode(node)) return plain(objectShape(syntax, node.members, depth));
  if (ts.isTypeReferenceNode(node)) return plain(referenceShape(syntax, node, depth));
  return plain(JSON_VALUE);
}

function isUndefinedNode(ts: typeof TS, node: TS.TypeNode): boolean {
  return node.kind === ts.SyntaxKind.UndefinedKeyword || node.kind === ts.SyntaxKind.VoidKeyword;
}

function literalShape(ts: typeof TS, node: TS.LiteralTypeNode): TypeShape {
  const literal = node.literal;
  if (literal.kind === ts.SyntaxKind.NullKeyword) return { kind: "null" };
  if (literal.kind === ts.SyntaxKind.TrueKeyword) return { kind: "literals", values: [true] };
  if (literal.kind === ts.SyntaxKind.FalseKeyword) return { kind: "literals", values: [false] };
  if (ts.isStringLiteral(literal) || ts.isNoSubstitutionTemplateLiteral(literal)) return { kind: "literals", values: [literal.text] };
  if (ts.isNumericLiteral(literal)) return { kind: "literals", values: [Number(literal.text)] };
  if (ts.isPrefixUnaryExpression(literal) && literal.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(literal.operand)) {
    return { kind: "literals", values: [-Number(literal.operand.text)] };
  }
  return JSON_VALUE;
}

/**
 * Merges union members: literals join one pick list, `true | false` is a boolean, a union that holds
 * any JSON value is any JSON value, and a single member stands for itself.
 */
export function unionOf(shapes: TypeShape[]): TypeShape {
  if (shapes.some((s) => s.kind === "json")) return JSON_VALUE;
  const literals: LiteralValue[] = [];
  const others: TypeShape[] = [];
  for (const shape of shapes) {
    if (shape.kind === "literals") literals.push(...shape.values.filter((v) => !literals.includes(v)));
    else if (shape.kind === "union") others.push(...shape.members);
    else others.push(shape);
  }
  const hasBoolean = others.some((s) => s.kind === "boolean") || (literals.includes(true) && literals.includes(false));
  const keptLiterals = literals.filter((v) => !(hasBoolean && typeof v === "boolean") && !others.some((s) => s.kind === typeof v));
  const members: TypeShape[] = others.filter((s) => s.kind !== "boolean");
  if (hasBoolean) members.push({ kind: "boolean" });
  if (keptLiterals.length > 0) members.unshift({ kind: "literals", values: keptLiterals });
  if (members.length === 0) return JSON_VALUE;
  return members.length === 1 ? members[0] : { kind: "union", members };
}

function objectShape(syntax: TypeSyntax, members: TS.NodeArray<TS.TypeElement>, depth: number): TypeShape {
  const { ts, file } = syntax;
  const properties: PropertyShape[] = [];
  for (const member of members) {
    if (ts.isIndexSignatureDeclaration(member)) return { kind: "object" };
    if (!ts.isPropertySignature(member)) continue;
    const name = ts.isIdentifier(member.name) || ts.isStringLiteral(member.name) ? member.name.text : member.name.getText(file);
    const read = member.type ? shapeOfTypeNode(syntax, member.type, depth + 1) : { shape: JSON_VALUE, undefinedAllowed: false };
    properties.push({ name, optional: member.questionToken !== undefined || read.undefinedAllowed, shape: read.shape });
  }
  return { kind: "object", properties };
}

function referenceShape(syntax: TypeSyntax, node: TS.TypeReferenceNode, depth: number): TypeShape {
  const { ts } = syntax;
  const name = node.typeName.getText(syntax.file);
  const typeArguments = node.typeArguments ?? [];
  switch (name) {
    case "Array":
    case "ReadonlyArray":
      return { kind: "array", element: typeArguments[0] ? shapeOfTypeNode(syntax, typeArguments[0], depth + 1).shape : JSON_VALUE };
    case "Record":
    case "Object":
      return { kind: "object" };
    case "String":
      return { kind: "string" };
    case "Number":
      return { kind: "number" };
    case "Boolean":
      return { kind: "boolean" };
    case "Partial": {
      const inner = typeArguments[0] ? shapeOfTypeNode(syntax, typeArguments[0], depth + 1).shape : JSON_VALUE;
      return inner.kind === "object" ? { kind: "object", properties: inner.properties?.map((p) => ({ ...p, optional: true })) } : JSON_VALUE;
    }
    default:
      break;
  }
  const declaration = typeArguments.length === 0 ? syntax.types.get(name) : undefined;
  if (!declaration || declaration.typeParameters?.length) return JSON_VALUE;
  if (ts.isTypeAliasDeclaration(declaration)) return shapeOfTypeNode(syntax, declaration.type, depth + 1).shape;
  if (declaration.heritageClauses?.length) return { kind: "object" };
  return objectShape(syntax, declaration.members, depth);
}

/**
 * The type TypeScript gives a parameter from its default when it has no annotation: `800` is a
 * number, `"fit"` a string (not the literal), `[]` an array; undefined for other expressions.
 */
export function shapeOfValue(ts: typeof TS, node: TS.Expression): { shape: TypeShape; text: string } | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) return { shape: { kind: "string" }, text: "string" };
  if (ts.isNumericLiteral(node) || (ts.isPrefixUnaryExpression(node) && ts.isNumericLiteral(node.operand))) return { shape: { kind: "number" }, text: "number" };
  if (node.kind === ts.SyntaxKind.TrueKeyword || node.kind === ts.SyntaxKind.FalseKeyword) return { shape: { kind: "boolean" }, text: "boolean" };
  if (ts.isArrayLiteralExpression(node)) return { shape: { kind: "array", element: JSON_VALUE }, text: "array" };
  if (ts.isObjectLiteralExpression(node)) return { shape: { kind: "object" }, text: "object" };
  return undefined;
}
