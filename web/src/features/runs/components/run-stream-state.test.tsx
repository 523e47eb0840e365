import { act, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { signIn } from "@/lib/auth";
import { mockFetch, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import RunDetailPage from "./run-detail-page";

const RUN = "22222222-2222-4222-8222-222222222222";

/** The browser's EventSource as far as the page uses it: the test opens and drops the stream. */
class FakeEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static last: FakeEventSource | null = null;
  readyState = FakeEventSource.CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  private listeners = new Map<string, ((e: MessageEvent) => void)[]>();
  addEventListener(type: string, listener: (e: MessageEvent) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  emit(type: string, data: unknown) {
    for (const l of this.listeners.get(type) ?? []) l(new MessageEvent(type, { data: JSON.stringify(data) }));
  }
  close() {
    this.readyState = FakeEventSource.CLOSED;
  }
  open() {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.();
  }
  /** The connection dropped; `retrying` as the browser does after an established stream. */
  drop(retrying: boolean) {
    this.readyState = retrying ? FakeEventSource.CONNECTING : FakeEventSource.CLOSED;
    this.onerror?.();
  }
}

const running = { run_id: RUN, status: "running", optimizer_type: "MIPROv2", progress: { trials_completed: 1, trials_total: 10 }, trials_completed: 1, trials_total: 10 };

describe("run detail: the live stream", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("says when the stream drops, polls while it is down, and says live again when it is back", async () => {
    vi.stubGlobal("EventSource", FakeEventSource);
    const { calls } = mockFetch(route("GET", `/dspy-runs/${RUN}`, () => [200, running]));
    const gets = () => calls.filter((c) => c.path === `/api/v1/dspy-runs/${RUN}`).length;
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });
    await screen.findByRole("heading", { name: /^Run / });
    await waitFor(() => expect(FakeEventSource.last).not.toBeNull());
    const source = FakeEventSource.last!;
    act(() => source.open());
    expect(screen.getByRole("status")).toHaveTextContent("● live");

    act(() => source.drop(true));
    expect(screen.getByRole("status")).toHaveTextContent("reconnecting…");
    // While the stream is down the run is fetched again and again.
    const before = gets();
    await waitFor(() => expect(gets()).toBeGreaterThanOrEqual(before + 2), { timeout: 6000 });

    act(() => source.open());
    expect(screen.getByRole("status")).toHaveTextContent("● live");

    act(() => source.drop(false));
    expect(screen.getByRole("status")).toHaveTextContent("connection lost");
  }, 10_000);

  it("keeps the run through a server outage, says so, and catches up by itself when the server is back", async () => {
    vi.stubGlobal("EventSource", FakeEventSource);
    let down = false;
    let done = 1;
    const { fn } = mockFetch(route("GET", `/dspy-runs/${RUN}`, () => [200, { ...running, progress: { trials_completed: done, trials_total: 10 }, trials_completed: done }]));
    const answer = fn.getMockImplementation()!;
    fn.mockImplementation(async (input, init) => {
      if (down) throw new TypeError("Failed to fetch");
      return answer(input, init);
    });
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });
    await screen.findByRole("heading", { name: /^Run / });
    await waitFor(() => expect(FakeEventSource.last).not.toBeNull());
    const first = FakeEventSource.last!;
    act(() => first.open());

    // The server goes away: the stream drops and the browser gives up on it; the polls fail.
    down = true;
    act(() => first.drop(false));
    const note = await screen.findByRole("status", { name: "Connection" }, { timeout: 6000 });
    expect(note).toHaveTextContent("Connection lost, reconnecting…");
    // What was loaded stays on the page.
    expect(screen.getByRole("heading", { name: /^Run / })).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "Run progress" })).toHaveAttribute("aria-valuetext", "1 trial, running");

    // The server is back: without any click the next poll brings the run, and the stream is opened again.
    done = 4;
    down = false;
    await waitFor(() => expect(screen.queryByRole("status", { name: "Connection" })).not.toBeInTheDocument(), { timeout: 6000 });
    expect(screen.getByRole("progressbar", { name: "Run progress" })).toHaveAttribute("aria-valuetext", "4 trials, running");
    await waitFor(() => expect(FakeEventSource.last).not.toBe(first), { timeout: 6000 });
    act(() => FakeEventSource.last!.open());
    expect(screen.getByText("● live")).toBeInTheDocument();
  }, 20_000);

  it("when a server shutting down ends the stream with the run failed, polls until it answers again", async () => {
    vi.stubGlobal("EventSource", FakeEventSource);
    let down = false;
    const { fn, calls } = mockFetch(route("GET", `/dspy-runs/${RUN}`, () => [200, { ...running, status: "failed", error: "interrupted by the server shutting down" }]));
    const answer = fn.getMockImplementation()!;
    let first = true;
    fn.mockImplementation(async (input, init) => {
      if (down) throw new TypeError("Failed to fetch");
      // The page's first load sees the run still going.
      if (first && String(input).endsWith(`/dspy-runs/${RUN}`)) {
        first = false;
        return new Response(JSON.stringify(running), { status: 200 });
      }
      return answer(input, init);
    });
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });
    await screen.findByRole("heading", { name: /^Run / });
    await waitFor(() => expect(FakeEventSource.last).not.toBeNull());
    const source = FakeEventSource.last!;
    act(() => source.open());
    down = true;
    act(() => source.emit("status", { run_id: RUN, status: "failed", error: "interrupted by the server shutting down" }));
    expect(await screen.findByRole("status", { name: "Connection" }, { timeout: 6000 })).toBeInTheDocument();
    down = false;
    const gets = () => calls.filter((c) => c.path === `/api/v1/dspy-runs/${RUN}`).length;
    const before = gets();
    await waitFor(() => expect(screen.queryByRole("status", { name: "Connection" })).not.toBeInTheDocument(), { timeout: 6000 });
    expect(gets()).toBeGreaterThan(before);
    expect(screen.getByText("interrupted by the server shutting down")).toBeInTheDocument();
  }, 20_000);

  it("says a refresh the server answered with an error failed, without calling it a lost connection", async () => {
    vi.stubGlobal("EventSource", FakeEventSource);
    let broken = false;
    mockFetch(route("GET", `/dspy-runs/${RUN}`, () => (broken ? [500, { detail: "database is locked", code: "internal" }] : [200, running])));
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });
    await screen.findByRole("heading", { name: /^Run / });
    await waitFor(() => expect(FakeEventSource.last).not.toBeNull());
    broken = true;
    act(() => FakeEventSource.last!.drop(false));
    const note = await screen.findByRole("status", { name: "Connection" }, { timeout: 6000 });
    expect(note).toHaveTextContent("Could not refresh this run. database is locked");
    expect(screen.getByRole("heading", { name: /^Run / })).toBeInTheDocument();
  }, 20_000);

  it("with a token, reads the stream with fetch (EventSource cannot send it) and stays live", async () => {
    vi.stubGlobal(
      "EventSource",
      class {
        constructor() {
          throw new Error("EventSource used while a token is held");
        }
      },
    );
    signIn("exm_good");
    const seen: (string | undefined)[] = [];
    const text = new TextEncoder();
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      const path = new URL(String(input), "http://localhost").pathname;
      seen.push((init?.headers as Record<string, string>).Authorization);
      if (path.endsWith("/events")) {
        // The stream stays open, as a running run's does.
        const body = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(text.encode('event: log\ndata: {"message":"trial 2 started"}\n\n')) });
        return new Response(body, { status: 200, headers: { "Content-Type": "text/event-stream" } });
      }
      return new Response(JSON.stringify(path === `/api/v1/dspy-runs/${RUN}` ? running : { detail: "Not found", code: "not_found" }), { status: path === `/api/v1/dspy-runs/${RUN}` ? 200 : 404 });
    });
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });
    await screen.findByRole("heading", { name: /^Run / });
    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("● live"));
    expect(await screen.findByText("trial 2 started")).toBeInTheDocument();
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.every((h) => h === "Bearer exm_good")).toBe(true);
  });
});
