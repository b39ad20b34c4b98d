/**
 * A Lua script sent by its SHA1 (EVALSHA), so Redis neither receives nor hashes its text on every
 * call; the text goes once more only when Redis does not know it yet (NOSCRIPT: a restart, or
 * SCRIPT FLUSH).
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/** An argument of a script: BullMQ's packed arguments are bytes. */
export type ScriptArg = string | number | Buffer;

export class RedisScript {
  readonly sha: string;

  constructor(readonly lua: string) {
    this.sha = createHash("sha1").update(lua).digest("hex");
  }

  async run(redis: Redis, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }

  /**
   * Runs the calls in one pipeline (one write, the calls in order), resolving with each call's
   * reply or error. When Redis did not know a script, it is loaded and those calls are sent again,
   * in order, after the others.
   */
  static async runAll(redis: Redis, calls: readonly ScriptCall[]): Promise<unknown[]> {
    const out = await pipelined(redis, calls);
    const unknown = calls.filter((_, i) => isNoScript(out[i]));
    if (unknown.length === 0) return out;
    for (const script of new Set(unknown.map((c) => c.script))) await redis.script("LOAD", script.lua);
    const again = await pipelined(redis, unknown);
    return out.map((reply) => (isNoScript(reply) ? again.shift() : reply));
  }
}

/** One call of a script, for RedisScript.runAll. */
export interface ScriptCall {
  script: RedisScript;
  keys: readonly string[];
  args: readonly ScriptArg[];
}

async function pipelined(redis: Redis, calls: readonly ScriptCall[]): Promise<unknown[]> {
  const pipeline = redis.pipeline();
  for (const { script, keys, args } of calls) pipeline.evalsha(script.sha, keys.length, ...keys, ...args);
  const replies = (await pipeline.exec()) ?? [];
  return calls.map((_, i) => replies[i]?.[0] ?? replies[i]?.[1]);
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}
