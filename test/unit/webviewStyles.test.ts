import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ALL_STATUSES } from "../../src/model";

const css = readFileSync(path.join(__dirname, "../../media/webview.css"), "utf8");

/** The `--tf-status` colour a rule gives `selector`, or undefined without one. */
function statusColour(selector: string): string | undefined {
  const escaped = selector.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`${escaped}\\s*\\{\\s*--tf-status:\\s*([^;]+);`).exec(css)?.[1];
}

describe("webviews: status styles", () => {
  it("gives every status's dashboard card and pill a colour of its own", () => {
    for (const prefix of ["card", "status"]) {
      const colours = ALL_STATUSES.map((status) => statusColour(`.${prefix}-${status}`));
      assert.deepEqual(ALL_STATUSES.filter((_, i) => colours[i] === undefined), [], `.${prefix}-<status> rules missing in media/webview.css`);
      assert.equal(new Set(colours).size, ALL_STATUSES.length, `two statuses share a colour: ${colours.join(" | ")}`);
    }
  });
});
