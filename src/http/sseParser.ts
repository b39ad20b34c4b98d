/** Splits a server-sent event stream into `(event, data)` pairs; data is parsed as JSON. Comments are skipped. */
export class SseParser {
  private buffer = "";

  constructor(private readonly onEvent: (kind: string, data: unknown) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf("\n\n")) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let kind = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) kind = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length === 0) continue;
      try {
        this.onEvent(kind, JSON.parse(data.join("\n")));
      } catch {
        // A malformed event is skipped; the stream goes on.
      }
    }
  }
}
