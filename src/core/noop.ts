/** Does nothing: the handler of a promise whose outcome is deliberately ignored. */
export function noop(): void {}
