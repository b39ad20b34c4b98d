import * as assert from "node:assert/strict";
import { COMMANDS, type CommandName } from "../../src/cli/cliArgs";
import { COMMAND_HELP, GENERAL_HELP } from "../../src/cli/help";

describe("taskflow help", () => {
  const names = Object.keys(COMMANDS) as CommandName[];

  it("lists every command in the general help", () => {
    for (const name of names) assert.match(GENERAL_HELP, new RegExp(`^  taskflow ${name}\\b`, "m"), name);
  });

  it("has help for every command that names each of its flags", () => {
    for (const name of names) {
      const help = COMMAND_HELP[name];
      assert.ok(help.startsWith(`taskflow ${name}`), `help of ${name} starts with its usage line`);
      for (const flag of Object.keys(COMMANDS[name].options)) assert.ok(help.includes(`--${flag}`), `help of ${name} names --${flag}`);
    }
  });

  it("describes the schedules command as listing the schedules there are", () => {
    assert.doesNotMatch(COMMAND_HELP.schedules, /none yet/);
    assert.match(COMMAND_HELP.schedules, /--json prints them as one JSON array/);
  });

  it("describes durable runs: the waiting status, input's exit codes, and retry from a step", () => {
    assert.match(COMMAND_HELP.list, /pending, running, waiting, success/);
    assert.match(COMMAND_HELP.input, /Exit 0 when the run resumed; 1 for an unknown task or one not waiting for that input; 2 for bad\nusage or a value the schema refuses/);
    assert.match(COMMAND_HELP.retry, /--from-step NAME#N \(like fetch#2/);
    assert.match(COMMAND_HELP.show, /its steps and waits/);
  });
});
