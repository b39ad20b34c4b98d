import * as assert from "node:assert/strict";
import { TaskManager } from "../../src";
import { ApiServer, HttpTaskflowClient } from "../../src/http";
import { parseBody, SCHEDULE_BODY, TASK_IDS_BODY, ADD_TASKS_BODY, INPUT_BODY, RETRY_BODY } from "../../src/http/requestBodies";
import { API_ROUTES, fillPath } from "../../src/http/routeTable";

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.equal((error as { status?: number }).status, 400);
    return (error as Error).message;
  }
  assert.fail("the body was accepted");
}

describe("HTTP route table", () => {
  it("refuses a body that fails its schema with 400 naming the field, what was expected and what was got", () => {
    assert.equal(refusal(() => parseBody(TASK_IDS_BODY, { taskIds: ["a", 2] })), '"taskIds.1" must be a task id string, got the number 2');
    assert.equal(refusal(() => parseBody(TASK_IDS_BODY, undefined)), '"taskIds" must be an array of task id strings, got undefined');
    assert.equal(refusal(() => parseBody(ADD_TASKS_BODY, { task: "echo", items: [], colour: "red" })), 'bulk takes "task" and "items", got the unknown key "colour"');
    assert.equal(refusal(() => parseBody(SCHEDULE_BODY, { task: "echo", every: 5, runOnStart: "yes" })), '"runOnStart" must be true or false, got the string "yes"');
    assert.match(refusal(() => parseBody(SCHEDULE_BODY, [1])), /^Request body must be a JSON object like \{ "task": "report", "every": 300 \}.*, got an array$/);
    assert.deepEqual(parseBody(SCHEDULE_BODY, { task: "echo", every: 5 }), { task: "echo", every: 5 });
  });

  it("takes an input's name and any JSON value, and a retry's optional resume and fromStep", () => {
    assert.deepEqual(parseBody(INPUT_BODY, { name: "approval", value: null }), { name: "approval", value: null });
    assert.equal(refusal(() => parseBody(INPUT_BODY, { name: "", value: 1 })), '"name" must be the name of the input the run waits for, got the string ""');
    assert.equal(refusal(() => parseBody(INPUT_BODY, { name: "approval", value: 1, note: "x" })), 'input takes "name" and "value", got the unknown key "note"');
    assert.deepEqual(parseBody(RETRY_BODY, undefined), {}, "no body is a retry from scratch");
    assert.equal(refusal(() => parseBody(RETRY_BODY, { fromStep: 2 })), '"fromStep" must be a step\'s name and occurrence like "fetch#2", got the number 2');
  });

  it("fills a route's path parameters URL-encoded, and says which one is missing", () => {
    assert.equal(fillPath(API_ROUTES.patchQueue.path, { name: "a/b c" }), "/tasks/queues/a%2Fb%20c");
    assert.throws(() => fillPath(API_ROUTES.getTask.path), /The path \/tasks\/\{id\} needs the parameter "id", got none/);
  });

  describe("served", function () {
    this.timeout(20000);
    let manager: TaskManager;
    let server: ApiServer;
    let client: HttpTaskflowClient;
    let base: string;
    beforeEach(async () => {
      manager = new TaskManager({ onOutsideLog: () => {} });
      manager.task({ name: "echo" }, async (x: unknown) => x);
      await manager.start();
      server = new ApiServer({ client: manager });
      base = await server.listen(0);
      client = await HttpTaskflowClient.connect({ url: base, token: server.token });
    });
    afterEach(async () => {
      client.dispose();
      await server.close();
      await manager.shutdown();
    });

    it("answers 405 naming the methods a known path takes, and takes a fixed path before a task id", async () => {
      const wrong = await fetch(`${base}/tasks/schedules`, { method: "DELETE", headers: { Authorization: `Bearer ${server.token}` } });
      assert.equal(wrong.status, 405);
      assert.deepEqual(await wrong.json(), { name: "HttpError", error: "DELETE /tasks/schedules is not supported: use GET or POST" });
      assert.equal(await client.countTasks({ status: "success" }), 0, "/tasks/count is not read as the task id \"count\"");
      const queue = await client.configureQueue("mail/out", { concurrency: 2 });
      assert.deepEqual([queue.name, queue.concurrency], ["mail/out", 2], "a path parameter travels encoded and comes back decoded");
    });

    it("gives the client each route's reply as its declared type", async () => {
      const id = await client.addTask("echo", [7], { tags: { via: "table" } });
      const record = await client.waitFor(id);
      assert.deepEqual([record.result, record.tags, record.createdAt instanceof Date], [7, { via: "table" }, true]);
      const [retried] = await client.retryFailed({ funcName: "echo" });
      assert.equal(retried, undefined, "nothing failed, so nothing is retried");
      assert.deepEqual(await client.funcNames(), ["echo"]);
    });
  });
});
