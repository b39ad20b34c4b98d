import * as assert from "node:assert/strict";
import { errorResponse } from "../../src/http/httpErrors";
import { StoreWriteError } from "../../src/store/storeWriteError";

describe("HTTP API: a store that cannot save", () => {
  it("answers 503 with the store's message, which says the disk is full and what to do, not 500", () => {
    const full = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    const { status, body } = errorResponse(new StoreWriteError("/data/tasks.sqlite.journal", full));
    assert.equal(status, 503);
    assert.equal(body.name, "StoreWriteError");
    assert.match(body.error, /the disk holding \/data is full \(ENOSPC\): free some space on it/);
  });
});
