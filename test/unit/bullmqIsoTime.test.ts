import * as assert from "node:assert/strict";
import { isoTime } from "../../src/backends/bullmq/isoTime";

describe("BullMQ backend: isoTime", () => {
  it("writes what toISOString writes, across seconds, minutes, days, years and the edges of its fast path", () => {
    const edges = [0, 1, 9, 10, 99, 100, 999, 1000, 59_999, 60_000, 86_399_999, 951_782_400_000, 1_767_225_599_999, 253_402_300_799_999, 253_402_300_800_000, -1, -62_198_755_200_000, 1.5];
    let seed = 12345;
    const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const spread = Array.from({ length: 5000 }, () => Math.floor(random() * 253_402_300_800_000));
    // In a row, as a busy second asks: the same minute again and again, then the next one.
    const run = Array.from({ length: 3000 }, (_, i) => 1_765_000_000_000 + i * 37);
    for (const ms of [...edges, ...spread, ...run]) assert.equal(isoTime(ms), new Date(ms).toISOString(), `for ${ms}`);
  });
});
