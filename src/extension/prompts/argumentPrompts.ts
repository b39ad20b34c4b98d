/**
 * Run Task's questions for a task's arguments: one prompt per parameter, named and typed from the
 * task module's source (a pick list for booleans and unions of literals, an input box that checks
 * the answer against the type for the rest), or one JSON array when the parameters cannot be known.
 * The last answers given for a task (per parameter, in workspaceState) fill the prompts next time.
 */
import * as vscode from "vscode";
import { parseArgumentsJson } from "./argumentParsing";
import { UserError } from "../commands/commandRegistry";
import { argumentsFromAnswers, endsAnswers, isPicked, parameterSignature, parseAnswer, pickOptions, type Answer } from "./parameterAnswers";
import { readTaskParameters, type ParameterDescriptor, type SignatureReading } from "./parameterReader";
import { describeShape } from "./parameterTypes";
import type { ExtensionServices } from "../commands/services";
import type { TaskFunctionInfo } from "../modules/taskCatalog";

const LAST_ARGS_KEY = "taskflow.lastArgs";
/** workspaceState key of the last answers: task name to parameter name to the text typed or the label picked. */
export const LAST_ANSWERS_KEY = "taskflow.lastAnswers";

type RememberedAnswers = Record<string, Record<string, string>>;

/**
 * Asks for the arguments of `info` and returns them, or undefined when the person cancelled. Each
 * answer is checked before the next question, so a wrong one never reaches addTask.
 * @param reading its parameters when already read (the Run lens reads them to decide whether to ask)
 */
export async function askArguments(services: ExtensionServices, info: TaskFunctionInfo, reading?: SignatureReading): Promise<unknown[] | undefined> {
  reading ??= await readParameters(services, info);
  if (!reading.ok) {
    services.log.info(`Run ${info.name}: asking for a JSON array of arguments, since its parameters cannot be read: ${reading.reason}`);
    return askJsonArray(services, info, reading.reason);
  }
  return askEachParameter(services, info, reading.parameters);
}

/** The parameters of `info` as its module's saved source declares them (the source the task runs); never throws. */
export async function readParameters(services: ExtensionServices, info: TaskFunctionInfo): Promise<SignatureReading> {
  if (info.file === "") return { ok: false, reason: vscode.l10n.t("it was registered without a module (by a script or another extension)") };
  const started = performance.now();
  const typeScript = services.typeScript();
  if (!typeScript.ok) return typeScript;
  try {
    const source = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(info.file)));
    const reading = readTaskParameters(typeScript.ts, source, info.file, info.exportName);
    services.log.info(`Run ${info.name}: read its parameters from ${vscode.workspace.asRelativePath(info.file)} in ${Math.round(performance.now() - started)} ms (loading TypeScript included the first time)`);
    return reading;
  } catch (err) {
    return { ok: false, reason: vscode.l10n.t("reading {0} failed: {1}", info.file, (err as Error).message) };
  }
}

async function askEachParameter(services: ExtensionServices, info: TaskFunctionInfo, parameters: ParameterDescriptor[]): Promise<unknown[] | undefined> {
  const remembered = services.workspaceState.get<RememberedAnswers>(LAST_ANSWERS_KEY, {});
  const last = remembered[info.name] ?? {};
  const texts: Record<string, string> = {};
  const answers: Answer[] = [];
  for (let index = 0; index < parameters.length; index++) {
    const parameter = parameters[index];
    const title = vscode.l10n.t("Run {0}: {1} ({2}/{3})", info.name, parameter.name, index + 1, parameters.length);
    const given = isPicked(parameter) ? await pickAnswer(title, parameter, last[parameter.name]) : await typeAnswer(title, parameters, index, last[parameter.name]);
    if (!given) return undefined;
    answers.push(given.answer);
    texts[parameter.name] = given.text;
    if (endsAnswers(parameter, given.answer)) break;
  }
  const args = argumentsFromAnswers(parameters, answers);
  if (!args.ok) throw new UserError(args.error);
  await services.workspaceState.update(LAST_ANSWERS_KEY, { ...services.workspaceState.get<RememberedAnswers>(LAST_ANSWERS_KEY, {}), [info.name]: { ...last, ...texts } });
  return args.value;
}

/** `width: number = 800 · target width in pixels`: what a prompt says about its parameter. */
function aboutParameter(parameter: ParameterDescriptor): string {
  return parameter.doc === "" ? parameterSignature(parameter) : `${parameterSignature(parameter)} · ${parameter.doc}`;
}

/** What was answered, and the text (typed or the label picked) that fills the prompt next time. */
interface GivenAnswer {
  answer: Answer;
  text: string;
}

/** The pick list, with the option picked last time first (Enter takes it again). */
async function pickAnswer(title: string, parameter: ParameterDescriptor, lastLabel: string | undefined): Promise<GivenAnswer | undefined> {
  const options = pickOptions(parameter).map((option) => ({
    label: option.label,
    description: option.label === lastLabel ? [option.description, vscode.l10n.t("last answer")].filter(Boolean).join(", ") : option.description,
    answer: option.answer,
  }));
  const lastIndex = options.findIndex((o) => o.label === lastLabel);
  if (lastIndex > 0) options.unshift(...options.splice(lastIndex, 1));
  const picked = await vscode.window.showQuickPick(options, { title, placeHolder: aboutParameter(parameter), ignoreFocusOut: true });
  return picked && { answer: picked.answer, text: picked.label };
}

async function typeAnswer(title: string, parameters: ParameterDescriptor[], index: number, lastText: string | undefined): Promise<GivenAnswer | undefined> {
  const parameter = parameters[index];
  const expected = describeShape(parameter.shape);
  const text = await vscode.window.showInputBox({
    title,
    prompt: typePrompt(parameter, expected),
    placeHolder: parameter.defaultText !== undefined
      ? vscode.l10n.t("{0} (default)", parameter.defaultText)
      : parameter.optional ? vscode.l10n.t("(optional)") : vscode.l10n.t("{0} (required)", expected),
    value: lastText,
    ignoreFocusOut: true,
    validateInput: (value) => {
      const result = parseAnswer(parameters, index, value);
      return result.ok ? undefined : result.error;
    },
  });
  if (text === undefined) return undefined;
  const result = parseAnswer(parameters, index, text);
  if (!result.ok) throw new UserError(result.error);
  return { answer: result.value, text };
}

/** `width: number · target width. Type a number; Enter on empty keeps 800.`: what to type, and what Enter on empty does. */
function typePrompt(parameter: ParameterDescriptor, expected: string): string {
  const about = aboutParameter(parameter);
  const asJson = parameter.shape.kind !== "string" && parameter.shape.kind !== "number";
  if (!parameter.optional) return asJson ? vscode.l10n.t("{0}. Type {1} as JSON.", about, expected) : vscode.l10n.t("{0}. Type {1}.", about, expected);
  if (parameter.defaultText !== undefined) {
    return asJson
      ? vscode.l10n.t("{0}. Type {1} as JSON; Enter on empty keeps {2}.", about, expected, parameter.defaultText)
      : vscode.l10n.t("{0}. Type {1}; Enter on empty keeps {2}.", about, expected, parameter.defaultText);
  }
  return asJson
    ? vscode.l10n.t("{0}. Type {1} as JSON; Enter on empty leaves it out.", about, expected)
    : vscode.l10n.t("{0}. Type {1}; Enter on empty leaves it out.", about, expected);
}

/** The prompt for tasks whose parameters are unknown: one JSON array, the last one typed for the task remembered. */
async function askJsonArray(services: ExtensionServices, info: TaskFunctionInfo, why: string): Promise<unknown[] | undefined> {
  const lastArgs = services.workspaceState.get<Record<string, string>>(LAST_ARGS_KEY, {});
  const text = await vscode.window.showInputBox({
    title: vscode.l10n.t("Run {0}: arguments", info.name),
    prompt: vscode.l10n.t("A JSON array of the arguments, e.g. [\"a@example.com\", 3]. Leave empty for none. (Its parameters are not known: {0}.)", why),
    value: lastArgs[info.name] ?? "[]",
    ignoreFocusOut: true,
    validateInput: (value) => {
      const result = parseArgumentsJson(value);
      return result.ok ? undefined : result.error;
    },
  });
  if (text === undefined) return undefined;
  await services.workspaceState.update(LAST_ARGS_KEY, { ...lastArgs, [info.name]: text });
  const result = parseArgumentsJson(text);
  if (!result.ok) throw new UserError(result.error);
  return result.value;
}
