// Server-Sent Events with the signed-in token. The browser's EventSource cannot send an
// Authorization header, so while a token is held the stream is read with fetch instead: the same
// surface the run page uses (onopen, onerror, addEventListener, close, readyState). Without a token
// it is the browser's EventSource, unchanged.
import { authToken, unauthenticated } from "./auth";

export const STREAM_CONNECTING = 0;
export const STREAM_OPEN = 1;
export const STREAM_CLOSED = 2;

export type EventStream = {
  readonly readyState: number;
  onopen: (() => void) | null;
  onerror: (() => void) | null;
  addEventListener(type: string, listener: (e: MessageEvent) => void): void;
  close(): void;
};

/** Opens `url` as an event stream, or returns null when this browser cannot. */
export function openEventStream(url: string): EventStream | null {
  const token = authToken();
  if (token) return new TokenEventStream(url, token);
  if (typeof EventSource === "undefined") return null;
  return new EventSource(url) as unknown as EventStream;
}

/**
 * One fetch of the stream. It does not reconnect by itself: when the stream ends or fails it is
 * CLOSED and `onerror` runs, and the page falls back to polling (as for a refused EventSource).
 */
export class TokenEventStream implements EventStream {
  readyState = STREAM_CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private readonly listeners = new Map<string, ((e: MessageEvent) => void)[]>();
  private readonly abort = new AbortController();

  constructor(url: string, token: string) {
    void this.run(url, token);
  }

  addEventListener(type: string, listener: (e: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close() {
    this.readyState = STREAM_CLOSED;
    this.abort.abort();
  }

  private async run(url: string, token: string) {
    try {
      const res = await fetch(url, { headers: { Accept: "text/event-stream", Authorization: `Bearer ${token}` }, signal: this.abort.signal });
      if (res.status === 401) {
        const body = (await res.json().catch(() => null)) as { detail?: unknown } | null;
        unauthenticated(typeof body?.detail === "string" ? body.detail : "401 Unauthorized", token);
      }
      if (!res.ok || !res.body) throw new Error(`event stream: ${res.status}`);
      if (this.readyState === STREAM_CLOSED) return;
      this.readyState = STREAM_OPEN;
      this.onopen?.();
      await this.read(res.body);
    } catch {
      /* ended or failed: below */
    }
    if (this.readyState === STREAM_CLOSED) return; // closed by the page
    this.readyState = STREAM_CLOSED;
    this.onerror?.();
  }

  /** The event-stream format: `event:` and `data:` lines, an empty line ends an event. */
  private async read(body: ReadableStream<Uint8Array>) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let type = "";
    let data: string[] = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done || this.readyState === STREAM_CLOSED) return;
      buffer += decoder.decode(value, { stream: true });
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const full of lines) {
        const line = full.endsWith("\r") ? full.slice(0, -1) : full;
        if (line === "") {
          if (data.length) this.dispatch(type || "message", data.join("\n"));
          type = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue; // a comment (keep-alive)
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const raw = colon < 0 ? "" : line.slice(colon + 1);
        const text = raw.startsWith(" ") ? raw.slice(1) : raw;
        if (field === "event") type = text;
        else if (field === "data") data.push(text);
      }
    }
  }

  private dispatch(type: string, data: string) {
    const event = new MessageEvent(type, { data });
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}
