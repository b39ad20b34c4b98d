// The few globals the model uses, which both Node and browsers have. The model's project has
// neither Node's nor the DOM's types, so nothing else of either can creep in.
declare function setTimeout(callback: () => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;
declare function btoa(data: string): string;
declare function atob(data: string): string;
/** Only what the model's types say of it; Node's and the DOM's declarations fill in the rest for consumers. */
interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
}
/** Only what checkRedisUrl reads of a parsed URL. */
interface URL {
  readonly protocol: string;
  readonly hostname: string;
}
declare const URL: { new (url: string): URL };
