import * as assert from "node:assert/strict";
import type { LifecycleEvent, TaskStatus } from "../../src/model";
import type { WaitingFor } from "../../src/model/durable";
import { InputRequests } from "../../src/extension/views/inputRequests";

const approval: WaitingFor = {
  kind: "input",
  name: "approval",
  prompt: "Approve the account of ada?",
  schema: { type: "object", properties: { approve: { type: "boolean" } }, required: ["approve"] },
  timeoutAt: null,
  step: "input:approval#1",
};

function event(status: TaskStatus, waitingFor: WaitingFor | null, taskId = "t1"): LifecycleEvent {
  return { taskId, funcName: "onboard", status, timestamp: "2026-12-07T15:00:00.000Z", attempt: 0, retriesUsed: 0, duration: null, error: null, stacktrace: null, tags: {}, waitingFor };
}

describe("extension: notifications of runs waiting for input", () => {
  it("tells of a run that starts waiting for input with its function and prompt", () => {
    assert.deepEqual(new InputRequests().notice(event("waiting", approval)), { taskId: "t1", name: "approval", message: "onboard needs input: Approve the account of ada?" });
  });

  it("names the input when the wait has no prompt", () => {
    assert.equal(new InputRequests().notice(event("waiting", { ...approval, prompt: null }))?.message, "onboard needs input: approval");
    assert.equal(new InputRequests().notice(event("waiting", { ...approval, prompt: "  " }))?.message, "onboard needs input: approval");
  });

  it("says nothing of other statuses and of sleeps and waits for runs", () => {
    const requests = new InputRequests();
    for (const status of ["pending", "running", "success", "failed", "cancelled"] as const) assert.equal(requests.notice(event(status, null)), undefined, status);
    assert.equal(requests.notice(event("waiting", { kind: "sleep", until: "2026-12-07T16:00:00.000Z", step: "sleep#1" })), undefined);
    assert.equal(requests.notice(event("waiting", { kind: "runs", taskIds: ["a"], timeoutAt: null, step: "runs#1" })), undefined);
    assert.equal(requests.notice({ ...event("waiting", null), waitingFor: undefined }), undefined);
  });

  it("tells of a wait once, even when it is reported again, but of the run's next input wait again", () => {
    const requests = new InputRequests();
    assert.ok(requests.notice(event("waiting", approval)));
    assert.equal(requests.notice(event("waiting", approval)), undefined, "the same wait recovered after an engine restart");
    assert.ok(requests.notice(event("waiting", approval, "t2")), "another run's wait");
    assert.equal(requests.notice(event("waiting", { ...approval, name: "payment", step: "input:payment#1" }))?.name, "payment");
  });

  it("forgets the oldest waits beyond what it remembers", () => {
    const requests = new InputRequests({ remember: 2 });
    for (const id of ["a", "b", "c"]) assert.ok(requests.notice(event("waiting", approval, id)));
    assert.equal(requests.notice(event("waiting", approval, "c")), undefined);
    assert.ok(requests.notice(event("waiting", approval, "a")), "a was forgotten");
  });
});
