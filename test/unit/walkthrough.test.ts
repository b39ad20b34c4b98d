import * as assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { Commands, ContextKeys, Views } from "../../src/extension/commands/commandIds";
import { localisedManifest } from "./helpers/manifest";

const ROOT = path.join(__dirname, "../..");

interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string; image?: Record<string, string>; altText?: string };
  completionEvents: string[];
}
interface Walkthrough { id: string; title: string; description: string; steps: Step[] }

// As VS Code reads it: the titles and descriptions (with their command links) come from package.nls.json.
const manifest = localisedManifest() as { contributes: { walkthroughs?: Walkthrough[] } };

/** Largest image a walkthrough step may ship, in bytes. */
const MAX_IMAGE_BYTES = 150 * 1024;

describe("extension: the walkthrough in package.json", () => {
  const walkthroughs = manifest.contributes.walkthroughs ?? [];
  const steps = walkthroughs[0]?.steps ?? [];
  const byId = (id: string): Step => {
    const step = steps.find((s) => s.id === id);
    assert.ok(step, `expected a step ${id}, got ${steps.map((s) => s.id).join(", ")}`);
    return step;
  };

  it("contributes one walkthrough of five steps: a module, a run, its panel, debugging, the dashboard or a schedule", () => {
    assert.deepEqual(walkthroughs.map((w) => w.id), ["gettingStarted"]);
    assert.deepEqual(steps.map((s) => s.id), ["createModule", "runTask", "openPanel", "debugTask", "dashboardOrSchedule"]);
  });

  it("completes each step on the event of doing it", () => {
    assert.deepEqual(byId("createModule").completionEvents, [`onCommand:${Commands.newTaskModule}`]);
    assert.deepEqual(byId("runTask").completionEvents, [Commands.runTask, Commands.runFunction, Commands.runTaskWithOptions].map((c) => `onCommand:${c}`));
    assert.deepEqual(byId("openPanel").completionEvents, [`onCommand:${Commands.showTask}`, `onContext:${ContextKeys.taskPanelShown}`]);
    assert.deepEqual(byId("debugTask").completionEvents, [`onCommand:${Commands.debugTask}`]);
    assert.deepEqual(byId("dashboardOrSchedule").completionEvents, [`onCommand:${Commands.openDashboard}`, `onView:${Views.schedules}`]);
  });

  it("names only commands, views and context keys the code declares, in its events and its links", () => {
    const commands = new Set<string>(Object.values(Commands));
    const views = new Set<string>(Object.values(Views));
    const contexts = new Set<string>(Object.values(ContextKeys));
    for (const step of steps) {
      for (const event of step.completionEvents) {
        const [kind, name] = event.split(/:(.*)/s);
        const known = kind === "onCommand" ? commands : kind === "onView" ? views : kind === "onContext" ? contexts : undefined;
        assert.ok(known?.has(name), `${step.id}: ${event} names no declared command, view or context key`);
      }
      for (const [, link] of step.description.matchAll(/\(command:([^)\s]+)\)/g)) {
        assert.ok(commands.has(link) || views.has(link.replace(/\.focus$/, "")), `${step.id}: the link command:${link} runs nothing Taskflow declares`);
      }
    }
  });

  it("ships each step's media: markdown, or a light and a dark image under 150 KB with alt text", () => {
    for (const step of steps) {
      const { markdown, image, altText } = step.media;
      assert.ok(markdown !== undefined || image !== undefined, `${step.id}: expected media.markdown or media.image`);
      if (markdown !== undefined) assert.match(readFileSync(path.join(ROOT, markdown), "utf8"), /^# /, `${step.id}: ${markdown}`);
      if (image !== undefined) {
        assert.ok(altText, `${step.id}: an image needs altText`);
        assert.deepEqual(Object.keys(image).sort(), ["dark", "hc", "hcLight", "light"], `${step.id}: one image per kind of theme`);
        for (const file of Object.values(image)) {
          assert.match(file, /^media\/walkthrough\//);
          const bytes = statSync(path.join(ROOT, file)).size;
          assert.ok(bytes < MAX_IMAGE_BYTES, `${step.id}: ${file} is ${bytes} bytes, over ${MAX_IMAGE_BYTES}`);
          assert.deepEqual([...readFileSync(path.join(ROOT, file)).subarray(1, 4)], [0x50, 0x4e, 0x47], `${file} is a PNG`);
        }
      }
    }
  });
});
