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
  private readonly sha: string;

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
   * Runs each call in one pipeline (one write, the calls in order), resolving with each call's
   * reply or error. Calls Redis did not know the script of are sent again, in order, after it.
   */
  static async runAll(redis: Redis, calls: readonly ScriptCall[]): Promise<(unknown | Error)[]> {
    const pipeline = redis.pipeline();
    for (const { script, keys, args } of calls) pipeline.evalsha(script.sha, keys.length, ...keys, ...args);
    const replies = (await pipeline.exec()) ?? [];
    const out = calls.map((_, i) => replies[i]?.[0] ?? replies[i]?.[1]);
    for (const [i, call] of calls.entries()) {
      if (!isNoScript(out[i])) continue;
      out[i] = await call.script.run(redis, call.keys, call.args).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
    }
    return out;
  }
}

/** One call of a script, for RedisScript.runAll. */
export interface ScriptCall {
  script: RedisScript;
  keys: readonly string[];
  args: readonly ScriptArg[];
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}
