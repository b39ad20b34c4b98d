/**
 * Run sizes and generators shared by the property tests (test/unit/fuzz*.test.ts).
 *
 * TASKFLOW_FUZZ_RUNS sets the cases per property (default 200; 10000 for the full-size run) and
 * TASKFLOW_FUZZ_SEED replays a run: a failing property prints its seed and counterexample path.
 * Under CI (CI set) the seed is fixed, so a submission is judged on the cases its tests were run
 * with; elsewhere each run explores a new seed.
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";

function positiveInteger(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a whole number >= 1, got ${JSON.stringify(text)}`);
  return n;
}

/** Cases per property. @default 200 */
export const FUZZ_RUNS = positiveInteger(process.env.TASKFLOW_FUZZ_RUNS, 200, "TASKFLOW_FUZZ_RUNS");

/** The seed CI runs with. */
const CI_SEED = "20261207";
const seedText = process.env.TASKFLOW_FUZZ_SEED ?? (process.env.CI ? CI_SEED : undefined);
/** The seed every property starts from; undefined: a new one each run (printed on failure). */
export const FUZZ_SEED = seedText === undefined || seedText === "" ? undefined : Number.parseInt(seedText, 10);
if (FUZZ_SEED !== undefined && !Number.isSafeInteger(FUZZ_SEED)) throw new Error(`TASKFLOW_FUZZ_SEED must be an integer, got ${JSON.stringify(seedText)}`);

/**
 * fast-check parameters for one property. `share` scales the case count for a property whose
 * case costs a process or a worker thread (at least 1 case).
 */
export function fuzzParameters(share = 1): fc.Parameters<unknown> {
  return { numRuns: Math.max(1, Math.round(FUZZ_RUNS * share)), ...(FUZZ_SEED === undefined ? {} : { seed: FUZZ_SEED }) };
}

/** A suite's mocha timeout: `msAt200` for the default run size, scaled up with TASKFLOW_FUZZ_RUNS. */
export function fuzzTimeout(msAt200: number): number {
  return Math.max(msAt200, Math.ceil((msAt200 * FUZZ_RUNS) / 200));
}

/** Keys that trip code treating objects as dictionaries. */
export const hostileKey = fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "", " ", "a=b", "a.b", "[0]", "é", "\u0000", "\u202e", "🙂", "𝕏");

/** Strings as users and attackers write them: unicode, control characters, lone surrogates, huge ones. */
export const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary" }),
  hostileKey,
  fc.constantFrom("\ud800", "null", "undefined", "NaN", "-1", "1e309", "0x10", "[]", "{}", "\n", "\r\n", "${x}", "' OR 1=1 --", "</script>", "%00"),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => "x".repeat(n)),
);

/** Numbers at the edges. */
export const hostileNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1, -1, 0.5, Number.MAX_SAFE_INTEGER + 1, Number.MIN_VALUE, 1e308, -1e308),
);

/** Arrays or objects nested `depth` deep around `leaf`. */
export const deepNesting = fc.tuple(fc.integer({ min: 50, max: 5000 }), fc.boolean()).map(([depth, arrays]) => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = arrays ? [value] : { a: value };
  return value;
});

/** Any value a caller could pass: JSON, and what JSON cannot carry (functions, symbols, BigInt, Map, Date, null prototypes, cycles). */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue() },
  { weight: 3, arbitrary: fc.anything({ key: fc.oneof(fc.string(), hostileKey), withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withObjectString: true, withTypedArray: true, withSparseArray: true }) },
  { weight: 1, arbitrary: hostileString },
  { weight: 1, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, () => 1, Symbol("s"), 10n, new Date(NaN), new Date(0), /re/, new Error("e"), Promise.resolve(1)) },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: fc.constant(0).map(() => { const cyclic: Record<string, unknown> = {}; cyclic.self = cyclic; return cyclic; }) },
);

/** An object whose keys are hostile or known and whose values are any of `values`. */
export function hostileObject(knownKeys: readonly string[], values: fc.Arbitrary<unknown> = hostileValue): fc.Arbitrary<Record<string, unknown>> {
  const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...knownKeys) }, { weight: 1, arbitrary: hostileKey }, { weight: 1, arbitrary: fc.string() });
  return fc.array(fc.tuple(key, values), { maxLength: 6 }).map((entries) => {
    const object: Record<string, unknown> = {};
    // defineProperty, so "__proto__" becomes an own key as JSON.parse would make it.
    for (const [k, v] of entries) Object.defineProperty(object, k, { value: v, enumerable: true, writable: true, configurable: true });
    return object;
  });
}

/** Messages of JavaScript itself failing rather than of a rule refusing a value. */
const CRASH = /Cannot read prop|Cannot convert|is not a function|is not iterable|undefined is not|null is not|Maximum call stack|Invalid array length|out of memory|Cannot set prop|Cannot destructure/i;

/**
 * Asserts that `error` is a refusal by a rule of the model: an Error of one of `names`, whose message
 * says what was expected (`must`, `expected`, ...) and is not JavaScript itself failing.
 */
export function assertRefusal(error: unknown, names: readonly string[], context: string): asserts error is Error {
  assert.ok(error instanceof Error, `${context}: expected an Error, got ${String(error)}`);
  assert.ok(names.includes(error.name), `${context}: expected one of ${names.join(", ")}, got ${error.name}: ${error.message}`);
  assert.doesNotMatch(error.message, CRASH, `${context}: a crash, not a refusal`);
  assert.match(error.message, /must|expected|needs|takes|not both|unknown|Unknown|is a |is an |is NaN|is Infinity|is -Infinity|is undefined|is a circular|got/, `${context}: the message does not say what was expected`);
}
