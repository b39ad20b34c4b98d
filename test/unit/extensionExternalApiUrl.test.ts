import * as assert from "node:assert/strict";
import { externalApiUrl } from "../../src/extension/api/externalApiUrl";

describe("extension: the HTTP API's URL as the person's machine reaches it", () => {
  it("forwards the loopback URL through asExternalUri, without the trailing slash, so routes append", async () => {
    const asked: string[] = [];
    const forwarded = await externalApiUrl("http://127.0.0.1:41234", async (url) => {
      asked.push(url);
      return "https://host.example/proxy/41234/";
    });
    assert.deepEqual(asked, ["http://127.0.0.1:41234"]);
    assert.equal(forwarded, "https://host.example/proxy/41234");
    assert.equal(`${forwarded}/tasks`, "https://host.example/proxy/41234/tasks");
  });

  it("gives the URL back as asExternalUri does in a local window", async () => {
    assert.equal(await externalApiUrl("http://127.0.0.1:41234", async (url) => `${url}/`), "http://127.0.0.1:41234");
    assert.equal(await externalApiUrl("http://localhost:8080", async (url) => url), "http://localhost:8080");
  });

  it("leaves a URL that is not on loopback alone", async () => {
    const url = await externalApiUrl("http://10.0.0.5:8080", async () => assert.fail("only loopback URLs are forwarded"));
    assert.equal(url, "http://10.0.0.5:8080");
  });
});
