import { describe, expect, it, vi } from "vitest";
import { authState, signIn } from "./auth";
import { STREAM_CLOSED, STREAM_CONNECTING, STREAM_OPEN, TokenEventStream, openEventStream } from "./event-stream";

/** A response whose body arrives in `chunks`, as a server's event stream does. */
function streamed(chunks: string[]): Response {
  const bytes = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(bytes.encode(c));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
}

describe("event stream with a token", () => {
  it("sends the token, parses events split across chunks, and reconnects when the stream ends", async () => {
    const fetch = vi.fn(async () => streamed(['event: log\ndata: {"message":"hel', 'lo"}\n\n: keep-alive\n\n', 'event: status\r\ndata: {"status":"succeeded"}\r\n\r\n']));
    vi.stubGlobal("fetch", fetch);
    const source = new TokenEventStream("/api/v1/dspy-runs/r1/events", "exm_good");
    const got: string[] = [];
    let opened = false;
    source.onopen = () => {
      opened = source.readyState === STREAM_OPEN;
    };
    source.addEventListener("log", (e) => got.push(`log ${e.data}`));
    source.addEventListener("status", (e) => got.push(`status ${e.data}`));
    let stateAtError = -1;
    await new Promise<void>((resolve) => {
      source.onerror = () => {
        stateAtError = source.readyState;
        resolve();
      };
    });
    source.close();
    expect(fetch).toHaveBeenCalledWith("/api/v1/dspy-runs/r1/events", expect.objectContaining({ headers: expect.objectContaining({ Authorization: "Bearer exm_good" }) }));
    expect(opened).toBe(true);
    expect(got).toEqual(['log {"message":"hello"}', 'status {"status":"succeeded"}']);
    // It dropped after being open: reconnecting (CONNECTING), until the page closes it.
    expect(stateAtError).toBe(STREAM_CONNECTING);
    expect(source.readyState).toBe(STREAM_CLOSED);
  });

  it("asks to sign in again when the server refuses the token", async () => {
    vi.stubGlobal("fetch", async () => new Response(JSON.stringify({ detail: "invalid or revoked token", code: "unauthenticated" }), { status: 401 }));
    signIn("exm_revoked");
    const source = openEventStream("/api/v1/dspy-runs/r1/events");
    expect(source).toBeInstanceOf(TokenEventStream);
    await new Promise<void>((resolve) => (source!.onerror = () => resolve()));
    expect(authState()).toMatchObject({ token: null, prompt: true, refused: "invalid or revoked token" });
  });

  it("uses the browser's EventSource when no token is held", () => {
    class Native {
      constructor(readonly url: string) {}
    }
    vi.stubGlobal("EventSource", Native);
    expect(openEventStream("/api/v1/dspy-runs/r1/events")).toBeInstanceOf(Native);
  });

  it("reconnects after a drop with Last-Event-ID, backing off, until the page closes it", async () => {
    const sent: (string | undefined)[] = [];
    let n = 0;
    const fetch = vi.fn(async (_url: string, init: RequestInit) => {
      sent.push((init.headers as Record<string, string>)["Last-Event-ID"]);
      n++;
      if (n === 1) return streamed(['id: 4\nevent: trial\ndata: {"i":1}\n\n', 'id: 5\nevent: trial\ndata: {"i":2}\n\n']); // then drops
      if (n === 2) throw new TypeError("network error"); // still down: wait longer
      // Back: this connection stays open.
      const body = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new TextEncoder().encode('id: 6\nevent: trial\ndata: {"i":3}\n\n')) });
      return new Response(body, { status: 200 });
    });
    vi.stubGlobal("fetch", fetch);
    const delays: number[] = [];
    const source = new TokenEventStream("/api/v1/dspy-runs/r1/events", "exm_good", {
      retryDelay: (attempt) => {
        delays.push(attempt);
        return 0;
      },
    });
    const got: string[] = [];
    const states: number[] = [];
    source.onerror = () => states.push(source.readyState);
    source.addEventListener("trial", (e) => got.push(e.data as string));
    await vi.waitFor(() => expect(got).toHaveLength(3));
    source.close();
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(got).toEqual(['{"i":1}', '{"i":2}', '{"i":3}']);
    // The first request has no id; each reconnection says the last event it saw.
    expect(sent.slice(0, 3)).toEqual([undefined, "5", "5"]);
    expect(delays.slice(0, 2)).toEqual([1, 2]);
    // While it reconnects the page hears CONNECTING (as from EventSource), not CLOSED.
    expect(states[0]).toBe(STREAM_CONNECTING);
    expect(source.readyState).toBe(STREAM_CLOSED);
  });

  it("takes an id as the last event id only once its event is dispatched, not from a frame cut off by a drop", async () => {
    const sent: (string | undefined)[] = [];
    const fetch = vi.fn(async (_url: string, init: RequestInit) => {
      sent.push((init.headers as Record<string, string>)["Last-Event-ID"]);
      // First connection: event 4 whole, then event 5 cut off before its blank line, and the connection drops.
      if (sent.length === 1) return streamed(['event: status\ndata: {"status":"running"}\n\n', 'id: 4\nevent: trial\ndata: {"i":4}\n\n', "id: 5\nevent: trial\n"]);
      if (sent.length === 2) return streamed(['event: status\ndata: {"status":"running"}\n\n', 'id: 5\nevent: trial\ndata: {"i":5}\n', "\n"]);
      return new Response(new ReadableStream<Uint8Array>(), { status: 200 }); // stays open
    });
    vi.stubGlobal("fetch", fetch);
    const source = new TokenEventStream("/api/v1/dspy-runs/r1/events", "exm_good", { retryDelay: () => 0 });
    const got: string[] = [];
    source.addEventListener("trial", (e) => got.push(e.data as string));
    try {
      await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(3));
    } finally {
      source.close();
    }
    // Event 5 was never dispatched: the reconnection asks for what follows 4, and gets 5.
    expect(sent).toEqual([undefined, "4", "5"]);
    expect(got).toEqual(['{"i":4}', '{"i":5}']);
  });

  it("gives up on a server that accepts and at once ends the stream, although each connection opens with a status", async () => {
    // The run stream's first frame on every connection is the run's state: no id, nothing new.
    const fetch = vi.fn(async () => streamed(['event: status\ndata: {"status":"running"}\n\n']));
    vi.stubGlobal("fetch", fetch);
    const source = new TokenEventStream("/api/v1/dspy-runs/r1/events", "exm_good", { retryDelay: () => 0 });
    const states: number[] = [];
    source.onerror = () => states.push(source.readyState);
    try {
      await vi.waitFor(() => expect(states.at(-1)).toBe(STREAM_CLOSED), { timeout: 2000 });
    } finally {
      source.close();
    }
    // The first connection and 8 reconnections, then CLOSED: the page polls instead.
    expect(fetch).toHaveBeenCalledTimes(9);
    expect(states.slice(0, -1).every((s) => s === STREAM_CONNECTING)).toBe(true);
  });

  it("keeps reconnecting while connections bring new events", async () => {
    let n = 0;
    const fetch = vi.fn(async () => {
      n++;
      // Each connection: the state, one new event, then the connection drops.
      return streamed(['event: status\ndata: {"status":"running"}\n\n', `id: ${n}\nevent: trial\ndata: {"i":${n}}\n\n`]);
    });
    vi.stubGlobal("fetch", fetch);
    const source = new TokenEventStream("/api/v1/dspy-runs/r1/events", "exm_good", { retryDelay: () => 0 });
    try {
      await vi.waitFor(() => expect(fetch.mock.calls.length).toBeGreaterThan(12), { timeout: 2000 });
      expect(source.readyState).not.toBe(STREAM_CLOSED);
    } finally {
      source.close();
    }
  });

  it("does not reconnect when the server refuses the stream (a 4xx)", async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ detail: "not found" }), { status: 404 }));
    vi.stubGlobal("fetch", fetch);
    const source = new TokenEventStream("/api/v1/dspy-runs/r1/events", "exm_good", { retryDelay: () => 0 });
    await new Promise<void>((resolve) => (source.onerror = () => resolve()));
    expect(source.readyState).toBe(STREAM_CLOSED);
    await new Promise((r) => setTimeout(r, 20));
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
