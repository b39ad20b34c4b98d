// Writes dist/taskflow.d.ts, the types of the "taskflow" module that workspace task modules import,
// from the sources that define it: the declarations of src/runtime/taskflowApi.ts (TypeScript's own
// declaration emit) plus the model types they use, copied from src/model. A type inferred from a
// valibot schema (TaskConfig) is resolved into a plain interface, each property with the doc comment
// of its schema entry, so the file stands alone: users' projects have neither valibot nor our sources.
// The same declarations also come as a module (top-level exports, no `declare module` wrapper): the
// TypeScript server plugin resolves `import ... from "taskflow"` in task modules to that file.
// Run by esbuild.mjs before the bundles; `node scripts/generateTaskflowTypes.mjs [outFile]` runs it alone.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const API_FILE = "src/runtime/taskflowApi.ts";
const MODULE_NAME = "taskflow";
const INDENT = "  ";

const HEADER = `/**
 * Types of the "taskflow" module that workspace task modules import. The extension provides the
 * module itself; nothing is installed in the workspace. This file is an ambient declaration (a
 * script, not a module): bring it into a project with \`/// <reference path="<extension>/dist/taskflow.d.ts" />\`
 * at the top of a task module, or list it in tsconfig.json \`"files"\` / \`"include"\`. A tsconfig
 * \`"paths"\` mapping does not work for it.
 *
 * Generated at build time from Taskflow's sources; edits here are overwritten.
 */
`;

const compilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
  types: [],
  skipLibCheck: true,
  declaration: true,
  emitDeclarationOnly: true,
};

const MODULE_HEADER = `/**
 * Types of the "taskflow" module that workspace task modules import, as a module: Taskflow's
 * TypeScript server plugin resolves "taskflow" to this file in task modules, so the editor knows the
 * module with nothing installed or written into the workspace.
 *
 * Generated at build time from Taskflow's sources; edits here are overwritten.
 */
`;

/**
 * The text of taskflow.d.ts, generated from `root` (the repository root, by default the one this
 * script is in). Throws when a type the module exposes cannot be written without importing another package.
 */
export function generateTaskflowTypes(root = repoRoot) {
  return ambientForm(declarationStatements(root));
}

/** The same declarations as `generateTaskflowTypes`, as a module file: what `import ... from "taskflow"` resolves to. */
export function generateTaskflowModuleTypes(root = repoRoot) {
  return moduleForm(declarationStatements(root));
}

function ambientForm(statements) {
  const text = `${HEADER}declare module "${MODULE_NAME}" {\n${statements.map((t) => indent(t)).join("\n\n")}\n}\n`;
  checkStandalone(text);
  return text;
}

function moduleForm(statements) {
  const text = `${MODULE_HEADER}${statements.join("\n\n")}\n`;
  checkStandalone(text);
  return text;
}

/** The declarations the module exposes, each a statement with its doc comment, in order: model types first. */
function declarationStatements(root) {
  const apiPath = path.join(root, API_FILE);
  const program = ts.createProgram([apiPath], compilerOptions);
  const checker = program.getTypeChecker();
  const apiSource = program.getSourceFile(apiPath);
  if (!apiSource) throw new Error(`Cannot read ${apiPath}: the source of the "${MODULE_NAME}" module must be there`);

  const emitted = emitDeclarations(program, apiSource);
  const ownStatements = [];
  const imported = [];
  let previous;
  for (const statement of emitted.statements) {
    if (ts.isImportDeclaration(statement)) {
      imported.push(...importedNames(statement));
      continue;
    }
    const text = exportedText(emitted, statement);
    // The overloads of one function stay together, without a blank line between them.
    const overload = previous && ts.isFunctionDeclaration(statement) && ts.isFunctionDeclaration(previous) && statement.name?.text === previous.name?.text;
    if (overload) ownStatements.push(`${ownStatements.pop()}\n${text}`);
    else ownStatements.push(text);
    previous = statement;
  }

  const modelTypes = collectModelTypes(program, checker, apiSource, imported);
  return [...modelTypes, ...ownStatements];
}

/**
 * Writes the generated types to `outFile` (created with its directory, by default `<repo>/dist/taskflow.d.ts`)
 * and, when `moduleOutFile` is given, their module form there; returns the ambient text.
 */
export function writeTaskflowTypes(outFile = path.join(repoRoot, "dist", "taskflow.d.ts"), root = repoRoot, moduleOutFile = undefined) {
  const statements = declarationStatements(root);
  const text = ambientForm(statements);
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, text);
  if (moduleOutFile) {
    mkdirSync(path.dirname(moduleOutFile), { recursive: true });
    writeFileSync(moduleOutFile, moduleForm(statements));
  }
  return text;
}

function emitDeclarations(program, sourceFile) {
  let dts;
  const result = program.emit(sourceFile, (fileName, text) => {
    if (fileName.endsWith(".d.ts")) dts = text;
  }, undefined, true);
  if (dts === undefined) {
    const why = result.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; ");
    throw new Error(`TypeScript emitted no declarations for ${sourceFile.fileName}${why ? `: ${why}` : ""}`);
  }
  return ts.createSourceFile("taskflowApi.d.ts", dts, ts.ScriptTarget.ES2022, true);
}

function importedNames(declaration) {
  const bindings = declaration.importClause?.namedBindings;
  if (!bindings || !ts.isNamedImports(bindings)) return [];
  return bindings.elements.map((element) => element.name.text);
}

/**
 * A statement with its doc comment, indented by two spaces a level like the rest of the file (the
 * emitter uses four); `export declare function` becomes `export function` inside the module block.
 */
function exportedText(sourceFile, statement) {
  return sourceFile.text.slice(statement.getFullStart(), statement.getEnd()).trim()
    .replace(/^((?:\/\*\*[\s\S]*?\*\/\s*)?)export declare /, "$1export ")
    .split("\n").map((line) => line.replace(/^(?: {4})+/, (spaces) => " ".repeat(spaces.length / 2))).join("\n");
}

/**
 * The model declarations the API's types use, and the ones those use in turn, in first-use order.
 * Each is copied as written, or resolved into an interface when it is inferred from another
 * package's types (a valibot schema).
 */
function collectModelTypes(program, checker, apiSource, seeds) {
  const queue = seeds.map((name) => ({ name, symbol: importedSymbol(checker, apiSource, name) }));
  const done = new Map();
  const out = [];
  while (queue.length > 0) {
    const { name, symbol } = queue.shift();
    if (done.has(name)) {
      if (done.get(name) !== symbol) throw new Error(`Two different types named ${name} would be exposed by "${MODULE_NAME}": rename one of them`);
      continue;
    }
    done.set(name, symbol);
    const declaration = symbol.declarations?.find((d) => ts.isInterfaceDeclaration(d) || ts.isTypeAliasDeclaration(d));
    if (!declaration) throw new Error(`"${MODULE_NAME}" exposes ${name}, which is not an interface or a type alias: declare it as one in src/model`);
    const { local, foreign } = references(program, checker, declaration);
    if (foreign.length === 0) {
      out.push(declarationText(declaration));
      queue.push(...local);
    } else if (ts.isTypeAliasDeclaration(declaration)) {
      out.push(resolvedInterface(checker, name, declaration));
    } else {
      throw new Error(`${name} (${declaration.getSourceFile().fileName}) uses ${foreign.join(", ")} from another package: "${MODULE_NAME}" types must stand alone`);
    }
  }
  return out;
}

function importedSymbol(checker, apiSource, name) {
  for (const statement of apiSource.statements) {
    const bindings = ts.isImportDeclaration(statement) ? statement.importClause?.namedBindings : undefined;
    const element = bindings && ts.isNamedImports(bindings) ? bindings.elements.find((e) => e.name.text === name) : undefined;
    if (element) return checker.getAliasedSymbol(checker.getSymbolAtLocation(element.name));
  }
  throw new Error(`The declarations of ${API_FILE} import ${name}, but the file does not: is it imported under another name?`);
}

/** Type references in `declaration`: ones declared in our sources (`local`) and in other packages (`foreign`); the standard library is neither. */
function references(program, checker, declaration) {
  const local = [];
  const foreign = [];
  const visit = (node) => {
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
      const nameNode = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
      let symbol = checker.getSymbolAtLocation(nameNode);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
      const file = symbol?.declarations?.[0]?.getSourceFile();
      if (symbol && file && !(symbol.flags & ts.SymbolFlags.TypeParameter) && !program.isSourceFileDefaultLibrary(file)) {
        if (file.fileName.includes("/node_modules/")) foreign.push(nameNode.getText());
        else local.push({ name: symbol.name, symbol });
      }
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(declaration, visit);
  return { local, foreign };
}

function declarationText(declaration) {
  const start = docComment(declaration)?.pos ?? declaration.getStart();
  return declaration.getSourceFile().text.slice(start, declaration.getEnd()).trim();
}

/** The nearest doc comment of a declaration, or undefined. */
function docComment(declaration) {
  const docs = ts.getJSDocCommentsAndTags(declaration).filter(ts.isJSDoc);
  return docs[docs.length - 1];
}

function docText(declaration) {
  const doc = docComment(declaration);
  if (!doc) return "";
  const lines = declaration.getSourceFile().text.slice(doc.pos, doc.end).split("\n").map((line) => line.trim());
  return lines.map((line, i) => (i === 0 ? line : ` ${line}`)).join("\n");
}

/** An interface with the properties of the alias's resolved type, each with the doc comment of the entry it comes from. */
function resolvedInterface(checker, name, alias) {
  const type = checker.getTypeAtLocation(alias.name);
  if (!(type.flags & ts.TypeFlags.Object)) {
    throw new Error(`${name} resolves to ${checker.typeToString(type)}, not an object type: "${MODULE_NAME}" can only inline object types`);
  }
  const members = type.getProperties().map((property) => {
    const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
    const typeText = printType(checker, checker.getTypeOfSymbol(property), alias, optional);
    const source = property.declarations?.[0];
    const doc = source ? docText(source) : "";
    return `${doc ? `${doc}\n` : ""}${property.name}${optional ? "?" : ""}: ${typeText};`;
  });
  const doc = docText(alias);
  return `${doc ? `${doc}\n` : ""}export interface ${name} {\n${members.map((m) => indent(m)).join("\n")}\n}`;
}

/** The type as written in a declaration; the `undefined` TypeScript adds to an optional property is left to the `?`. */
function printType(checker, type, enclosing, optional) {
  const flags = ts.NodeBuilderFlags.NoTruncation | ts.NodeBuilderFlags.UseStructuralFallback;
  let node = checker.typeToTypeNode(type, enclosing, flags);
  if (optional && node && ts.isUnionTypeNode(node)) {
    const kept = node.types.filter((t) => t.kind !== ts.SyntaxKind.UndefinedKeyword);
    node = kept.length === 1 ? kept[0] : ts.factory.createUnionTypeNode(kept);
  }
  const text = ts.createPrinter({ removeComments: true }).printNode(ts.EmitHint.Unspecified, node, enclosing.getSourceFile());
  if (/\bimport\(/.test(text)) throw new Error(`A property type of the generated types refers to another module (${text}): give it a type declared in src/model`);
  return text;
}

function indent(text) {
  return text.split("\n").map((line) => (line === "" ? line : `${INDENT}${line}`)).join("\n");
}

/** Type-checks the generated file on its own with the standard library, so it cannot need anything else. */
function checkStandalone(text) {
  const fileName = path.join(repoRoot, "generated", "taskflow.d.ts");
  const options = { ...compilerOptions, declaration: false, emitDeclarationOnly: false, noEmit: true, skipLibCheck: false };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    name === fileName ? ts.createSourceFile(name, text, languageVersion, true) : getSourceFile(name, languageVersion, ...rest);
  const program = ts.createProgram([fileName], options, host);
  const problems = ts.getPreEmitDiagnostics(program, program.getSourceFile(fileName)).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    return `line ${line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
  if (problems.length > 0) throw new Error(`The generated taskflow.d.ts does not type-check on its own:\n${problems.join("\n")}\n--- generated text ---\n${text}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outFile = process.argv[2] ? path.resolve(process.argv[2]) : undefined;
  writeTaskflowTypes(outFile);
}
