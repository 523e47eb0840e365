import { describe, expect, it, vi } from "vitest";
import { authState, signIn } from "./auth";
import { STREAM_CLOSED, STREAM_OPEN, TokenEventStream, openEventStream } from "./event-stream";

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
  it("sends the token, parses events split across chunks, and closes when the stream ends", async () => {
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
    const ended = new Promise<void>((resolve) => (source.onerror = () => resolve()));
    await ended;
    expect(fetch).toHaveBeenCalledWith("/api/v1/dspy-runs/r1/events", expect.objectContaining({ headers: expect.objectContaining({ Authorization: "Bearer exm_good" }) }));
    expect(opened).toBe(true);
    expect(got).toEqual(['log {"message":"hello"}', 'status {"status":"succeeded"}']);
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
});
