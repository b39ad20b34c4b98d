/**
 * The runtime's built worker files for a suite of real module tests: built once before the suite
 * (with buildRuntimeDist) and removed after it.
 */
import { rmSync } from "node:fs";
import { buildRuntimeDist } from "../../fixtures/modules/harness";

/** Registers the suite's before and after hooks; `use` gets the built folder before the first test. */
export function useRuntimeDist(use: (dir: string) => void): void {
  let dir: string | undefined;
  before(async () => {
    dir = await buildRuntimeDist();
    use(dir);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
}
