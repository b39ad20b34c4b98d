/**
 * The model: a task's fields, statuses and their rules, the schemas of what callers give, the
 * events and the client interface, each declared once. Free of Node and vscode, so the webviews
 * import it too.
 */
export * from "./status";
export * from "./fields";
export * from "./taskRecord";
export * from "./schemas";
export * from "./events";
export * from "./metrics";
export * from "./errors";
export * from "./taskFunction";
export * from "./client";
export * from "./keyPath";
export * from "./schedules";
export * from "./audit";
export * from "./throughput";
export { describeValue, previewValue, isPlainObject } from "./describe";
export * from "./timers";
export { checkProgress } from "./progress";
export * from "./backendOptions";
export { orList } from "./orList";
export * from "./durable";
export { checkInput, describeProblem, inputProblems, inputSchemaProblem, INPUT_SCHEMA_KEYWORDS, type InputProblem, type InputSchema, type InputSchemaType } from "./inputSchema";
