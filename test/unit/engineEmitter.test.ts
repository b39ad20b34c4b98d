import * as assert from "node:assert/strict";
import { Emitter } from "../../src";

describe("engine: Emitter", () => {
  it("calls listeners in subscription order until they dispose", () => {
    const emitter = new Emitter<number>(() => assert.fail("no listener throws"));
    const seen: string[] = [];
    const a = emitter.event((n) => seen.push(`a${n}`));
    emitter.event((n) => seen.push(`b${n}`));
    emitter.fire(1);
    a.dispose();
    emitter.fire(2);
    assert.deepEqual(seen, ["a1", "b1", "b2"]);
  });

  it("contains a listener that throws, reports it, and still calls the others", () => {
    const errors: unknown[] = [];
    const emitter = new Emitter<string>((e) => errors.push(e));
    const seen: string[] = [];
    emitter.event(() => {
      throw new Error("bad listener");
    });
    emitter.event((s) => seen.push(s));
    emitter.fire("x");
    assert.deepEqual(seen, ["x"]);
    assert.equal((errors[0] as Error).message, "bad listener");
  });

  it("applies a subscription or dispose made during fire() from the next fire on", () => {
    const emitter = new Emitter<number>(() => {});
    const seen: string[] = [];
    const first = emitter.event((n) => {
      seen.push(`first${n}`);
      first.dispose();
      emitter.event((m) => seen.push(`late${m}`));
    });
    emitter.event((n) => seen.push(`second${n}`));
    emitter.fire(1);
    emitter.fire(2);
    assert.deepEqual(seen, ["first1", "second1", "second2", "late2"]);
  });

  it("drops every listener on dispose()", () => {
    const emitter = new Emitter<number>(() => {});
    let calls = 0;
    emitter.event(() => calls++);
    emitter.dispose();
    emitter.fire(1);
    assert.equal(calls, 0);
  });

  it("refuses a listener that is not a function, saying what it got", () => {
    const emitter = new Emitter<number>(() => {});
    assert.throws(() => emitter.event("x" as never), /^TypeError: listener must be a function, got the string "x"$/);
  });
});
