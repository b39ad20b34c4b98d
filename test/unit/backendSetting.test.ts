import * as assert from "node:assert/strict";
import { backendLabel, connectionUrl, parseBackendSetting } from "../../src/extension/session/backendSetting";

describe("extension: the taskflow.backend setting", () => {
  it("is the local engine when left out, empty or \"local\"", () => {
    for (const value of [undefined, null, "", "  ", "local"]) assert.deepEqual(parseBackendSetting(value), { kind: "local" }, JSON.stringify(value));
  });

  it("takes a redis:// or rediss:// URL as the shared queue, as written", () => {
    assert.deepEqual(parseBackendSetting("redis://127.0.0.1:6379"), { kind: "redis", url: "redis://127.0.0.1:6379" });
    assert.deepEqual(parseBackendSetting(" rediss://queue.example.com/2 "), { kind: "redis", url: "rediss://queue.example.com/2" });
    assert.equal(backendLabel(parseBackendSetting("redis://10.0.0.5")), "redis://10.0.0.5");
    assert.equal(backendLabel(parseBackendSetting("local")), "local");
  });

  it("refuses anything else with what to write instead", () => {
    const cases: [unknown, RegExp][] = [
      ["bullmq", /must be "local" or a Redis URL such as redis:\/\/127\.0\.0\.1:6379, got "bullmq": fix it in the settings/],
      ["http://127.0.0.1:6379", /got "http:\/\/127\.0\.0\.1:6379"/],
      [6379, /got a number/],
      ["redis://", /taskflow\.backend: /],
    ];
    for (const [value, message] of cases) {
      const setting = parseBackendSetting(value);
      assert.equal(setting.kind, "invalid", JSON.stringify(value));
      assert.match(setting.kind === "invalid" ? setting.message : "", message);
    }
  });

  it("refuses a password in the URL and says where it goes instead", () => {
    const setting = parseBackendSetting("redis://:s3cret@127.0.0.1:6379");
    assert.equal(setting.kind, "invalid");
    const message = setting.kind === "invalid" ? setting.message : "";
    assert.match(message, /Taskflow: Set Redis Password/);
    assert.doesNotMatch(message, /s3cret/, "the password is not repeated in the message");
  });

  it("puts the stored password into the URL only when connecting", () => {
    assert.equal(connectionUrl("redis://127.0.0.1:6379", undefined), "redis://127.0.0.1:6379");
    assert.equal(connectionUrl("redis://127.0.0.1:6379", ""), "redis://127.0.0.1:6379");
    const url = new URL(connectionUrl("redis://127.0.0.1:6379/1", "p@ss:w/rd"));
    assert.equal(decodeURIComponent(url.password), "p@ss:w/rd");
    assert.equal(url.host, "127.0.0.1:6379");
    assert.equal(url.pathname, "/1");
  });
});
