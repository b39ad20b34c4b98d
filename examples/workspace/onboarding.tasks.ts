/// <reference path="./.vscode/taskflow/taskflow.d.ts" />
// Durable runs: onboarding a user is a step, a sleep, an approval and a fan-out. While the run
// sleeps or waits it is "waiting" in the tree's Waiting group, holds no worker, and survives a
// window reload; it then resumes from the top, and each step that already completed returns its
// recorded value without running again. So the side effects live inside steps: the code between
// them (the taskLog lines here) runs again on every resume.
import { enqueue, sleep, step, task, taskLog, waitForInput, waitForRuns } from "taskflow";

type Plan = "free" | "team" | "enterprise";

interface Approval {
  approve: boolean;
  note?: string;
  plan?: Plan;
}

// One of the children the onboarding fans out to.
export const provisionWorkspace = task({ description: "Creates one of a new user's workspaces" }, async (user: string, name: string) => {
  taskLog(`creating workspace ${name} for ${user}`);
  return `${user}/${name}`;
});

/**
 * @param user the user to onboard
 * @param workspaces the workspaces to create once the account is approved
 */
export const onboardUser = task({ description: "Onboards a user: account, a short sleep, an approval, then workspaces" }, async (user = "ada", workspaces: string[] = ["notes", "projects"]) => {
  taskLog(`onboarding ${user}`);
  const account = await step("create account", () => ({ id: `acct-${user}`, createdAt: new Date().toISOString() }));
  // Short, so you see the run go to Waiting and come back by itself.
  await sleep(5);
  const answer = await waitForInput<Approval>("approval", {
    prompt: `Approve the account of ${user}?`,
    schema: {
      type: "object",
      properties: {
        approve: { type: "boolean", title: "Approve", description: "Let the user in" },
        note: { type: "string", title: "Note", description: "Kept with the run" },
        plan: { type: "string", title: "Plan", enum: ["free", "team", "enterprise"], default: "free" },
      },
      required: ["approve"],
    },
    timeout: 24 * 3600,
  });
  if (!answer.approve) {
    taskLog(`${user} was not approved${answer.note ? `: ${answer.note}` : ""}`);
    return { account: account.id, approved: false, workspaces: [] };
  }
  // Enqueued inside a step, so a resumed run waits for these children instead of enqueuing new ones.
  const ids = await step("provision workspaces", () => Promise.all(workspaces.map((name) => enqueue(provisionWorkspace, [user, name]))));
  const runs = await waitForRuns(ids, { timeout: 3600 });
  return { account: account.id, approved: true, plan: answer.plan ?? "free", note: answer.note ?? null, workspaces: runs.map((r) => r.result) };
});
