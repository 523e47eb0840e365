import { act, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
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
  addEventListener() {}
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
});
