import * as assert from "node:assert/strict";
import path from "node:path";
import ts from "typescript";

describe("runtime: the taskflow.d.ts types for task modules", function () {
  this.timeout(30000); // one TypeScript program: a few seconds on a busy machine

  it("type-check a task module and reject wrong arguments and unknown config fields", () => {
    // The fixture marks the calls that must not compile with @ts-expect-error: if the types let them
    // through, TypeScript reports the unused directive, so an empty result proves both directions.
    const file = path.resolve(__dirname, "../fixtures/modules/typed.tasks.ts");
    const program = ts.createProgram([file], {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS,
      lib: ["lib.es5.d.ts", "lib.es2015.promise.d.ts"], types: [],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    assert.deepEqual(problems, []);
  });
});
