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

/** Waits before reconnection `attempt` (1, 2, …): 1 s, doubling, at most 30 s, as a browser's EventSource backs off. */
const defaultRetryDelay = (attempt: number) => Math.min(30_000, 1000 * 2 ** (attempt - 1));
/** Reconnections in a row that bring nothing new before the stream is given up (the page then polls). */
const MAX_ATTEMPTS = 8;

export type TokenEventStreamOptions = { retryDelay?: (attempt: number) => number };

/**
 * The stream read with fetch, reconnecting as EventSource does: when a stream that was open drops
 * (the connection failed, or the server ended it) it is CONNECTING again, `onerror` runs, and it
 * reconnects after a growing delay with `Last-Event-ID` (the server resumes after that event) until
 * the page closes it. A refusal (a 4xx: a revoked token, an unknown run), a first connection that
 * fails, or MAX_ATTEMPTS reconnections in a row that bring nothing new leave it CLOSED. The run
 * stream opens every connection with the run's current state (an `event: status` without an id), so
 * that first event does not count as news: a server that accepts and at once ends the stream is
 * given up, not reconnected every second for ever. An event with a new id, or any later event, does.
 */
export class TokenEventStream implements EventStream {
  readyState = STREAM_CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private readonly listeners = new Map<string, ((e: MessageEvent) => void)[]>();
  private readonly abort = new AbortController();
  private readonly retryDelay: (attempt: number) => number;
  /** The id of the last event dispatched (WHATWG "last event ID string"), sent as Last-Event-ID. */
  private lastEventId: string | null = null;
  private dispatched = 0; // events dispatched on the current connection

  constructor(url: string, token: string, options: TokenEventStreamOptions = {}) {
    this.retryDelay = options.retryDelay ?? defaultRetryDelay;
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
    let opened = false;
    let attempt = 0;
    for (;;) {
      this.dispatched = 0;
      const idBefore = this.lastEventId;
      const outcome = await this.connect(url, token);
      if (this.readyState === STREAM_CLOSED) return; // closed by the page
      opened ||= outcome !== "failed";
      // Only news resets the count: the connection's opening state alone proves nothing.
      if (this.dispatched > 1 || this.lastEventId !== idBefore) attempt = 0;
      // Refused, never reached, or down for too long: the page falls back to polling.
      if (outcome === "refused" || !opened || ++attempt > MAX_ATTEMPTS) {
        this.readyState = STREAM_CLOSED;
        this.onerror?.();
        return;
      }
      this.readyState = STREAM_CONNECTING;
      this.onerror?.();
      await new Promise((resolve) => setTimeout(resolve, this.retryDelay(attempt)));
      if (this.readyState === STREAM_CLOSED) return;
    }
  }

  /** One connection: "refused" (a 4xx), "failed" (never opened), or "ended" (opened, then dropped). */
  private async connect(url: string, token: string): Promise<"refused" | "failed" | "ended"> {
    const headers: Record<string, string> = { Accept: "text/event-stream", Authorization: `Bearer ${token}` };
    if (this.lastEventId) headers["Last-Event-ID"] = this.lastEventId; // "" (an empty id: field) means none
    let res: Response;
    try {
      res = await fetch(url, { headers, signal: this.abort.signal });
    } catch {
      return "failed";
    }
    if (res.status === 401) {
      const body = (await res.json().catch(() => null)) as { detail?: unknown } | null;
      unauthenticated(typeof body?.detail === "string" ? body.detail : "401 Unauthorized", token);
    }
    if (res.status >= 400 && res.status < 500) return "refused";
    if (!res.ok || !res.body || this.readyState === STREAM_CLOSED) return "failed";
    this.readyState = STREAM_OPEN;
    this.onopen?.();
    try {
      await this.read(res.body);
    } catch {
      /* the connection dropped */
    }
    return "ended";
  }

  /**
   * The event-stream format: `event:`, `data:` and `id:` lines, an empty line ends (dispatches) an
   * event. As in EventSource, an `id:` only becomes the last event id when its event is dispatched:
   * a frame cut off by a dropped connection was never seen, so the reconnection must not skip it.
   */
  private async read(body: ReadableStream<Uint8Array>) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let type = "";
    let data: string[] = [];
    let id = this.lastEventId; // the "last event ID buffer", committed at dispatch
    for (;;) {
      const { value, done } = await reader.read();
      if (done || this.readyState === STREAM_CLOSED) return;
      buffer += decoder.decode(value, { stream: true });
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const full of lines) {
        const line = full.endsWith("\r") ? full.slice(0, -1) : full;
        if (line === "") {
          this.lastEventId = id;
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
        else if (field === "id" && !text.includes("\0")) id = text;
      }
    }
  }

  private dispatch(type: string, data: string) {
    this.dispatched++;
    const event = new MessageEvent(type, { data });
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}
