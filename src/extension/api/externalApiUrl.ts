/**
 * The HTTP API's URL as the machine the person sits at reaches it. The API listens on the loopback
 * address of the machine the extension runs on; in a remote window (SSH, WSL, a dev container,
 * code-server in a browser) that is not the person's machine, and VS Code's `env.asExternalUri`
 * forwards the port and says where it can be reached from there. In a local window it gives the
 * URL back as it is. No vscode import: the caller passes `asExternalUri`.
 */

/** Turns a URL into the one that reaches it from the person's machine (`vscode.env.asExternalUri`, as strings). */
export type AsExternalUrl = (url: string) => Promise<string>;

/**
 * `url` (the API's `http://127.0.0.1:<port>`) as the person's machine reaches it, without a trailing
 * slash so that `${external}/tasks` is a route; a URL on another host than loopback is given back as it is.
 */
export async function externalApiUrl(url: string, asExternalUrl: AsExternalUrl): Promise<string> {
  const host = new URL(url).hostname;
  if (!isLoopback(host)) return url;
  return (await asExternalUrl(url)).replace(/\/+$/, "");
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "[::1]" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}
