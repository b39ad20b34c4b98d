import * as assert from "node:assert/strict";
import { auditEntryJson } from "../../src/backends/bullmq/auditTrail";
import { AUDIT_ACTIONS, AUDIT_ACTORS, type AuditEntry } from "../../src/model";

describe("BullMQ backend: auditEntryJson", () => {
  it("writes what JSON.stringify writes for the entry, with ids and details that need escapes", () => {
    const texts = [null, "", "noop", "a\"quoted\" name", "back\\slash", "line\nbreak\ttab", "\u0000\u001f control", "é 日本 😀", "\ud800 lone surrogate", "</script>"];
    const times = [0, 1_765_000_000_123, 253_402_300_799_999];
    for (const actor of AUDIT_ACTORS) {
      for (const action of AUDIT_ACTIONS) {
        for (const taskId of texts) {
          for (const detail of texts) {
            const nowMs = times[(taskId?.length ?? 0) % times.length];
            const entry: AuditEntry = { at: new Date(nowMs).toISOString(), action, taskId, actor, detail };
            const written = auditEntryJson(actor, action, taskId, detail, nowMs);
            assert.equal(written, JSON.stringify(entry));
            assert.deepEqual(JSON.parse(written), entry);
          }
        }
      }
    }
  });
});
