// A Server-Sent Events parser (the WHATWG "event stream" format), fed text as it arrives.
// EventSource cannot send an Authorization header, so the page reads the stream with fetch() and
// parses it here.

export class SSEParser {
  constructor() {
    this.buffer = "";
    this.skipLF = false;
    this.reset();
    this.retry = null;
    this.lastEventId = "";
  }

  reset() {
    this.eventType = "";
    this.data = [];
  }

  // Feed a chunk of text; returns the complete events it finished: [{event, data, id}].
  feed(chunk) {
    // The second half of a "\r\n" that was split across two chunks.
    if (this.skipLF && chunk.startsWith("\n")) chunk = chunk.slice(1);
    this.skipLF = false;
    this.buffer += chunk;
    const events = [];
    const lineEnd = /\r\n|\r|\n/g;
    let start = 0;
    for (;;) {
      lineEnd.lastIndex = start;
      const found = lineEnd.exec(this.buffer);
      if (!found) break;
      const event = this.line(this.buffer.slice(start, found.index));
      start = found.index + found[0].length;
      if (found[0] === "\r" && start === this.buffer.length) this.skipLF = true;
      if (event) events.push(event);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  line(line) {
    if (line === "") {
      if (this.data.length === 0) {
        this.reset();
        return null;
      }
      const event = { event: this.eventType || "message", data: this.data.join("\n"), id: this.lastEventId };
      this.reset();
      return event;
    }
    if (line.startsWith(":")) return null; // a comment (keep-alive)
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.eventType = value;
    else if (field === "data") this.data.push(value);
    else if (field === "id" && !value.includes("\0")) this.lastEventId = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.retry = Number(value);
    return null;
  }
}
