/**
 * Words joined for a sentence: `a`, `a or b`, `a, b or c`; empty for none. The engine's errors, the
 * extension's messages and the webviews' tooltips all list statuses this way.
 */
export function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}
