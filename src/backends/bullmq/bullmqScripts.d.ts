/** BullMQ's Lua scripts as the package ships them (its CommonJS build has no types of its own). */
declare module "bullmq/dist/cjs/scripts" {
  /** A script's text, the name BullMQ defines it under, and how many of its arguments are keys. */
  interface BullmqScript {
    name: string;
    content: string;
    keys: number;
  }
  export const addStandardJob: BullmqScript;
  export const addPrioritizedJob: BullmqScript;
  export const addDelayedJob: BullmqScript;
}
