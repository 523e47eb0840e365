import { QueryClient } from "@tanstack/react-query";
import { act, render, screen } from "@testing-library/react";
import { Suspense } from "react";
import { Route, Routes } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createGuardedMemoryRouter } from "@/lib/navigation-guard";
import { AppLayout } from "./layout";
import { isChunkLoadError } from "./page-error-boundary";
import { AppProvider } from "./provider";
import { retryingLazy } from "./retrying-lazy";

// What Chromium throws when a lazy page's script answers 404 or the server is down.
const chunkError = () => new TypeError("Failed to fetch dynamically imported module: http://127.0.0.1/assets/dashboard-page-Ab12.js");

function renderShell(load: () => Promise<{ default: () => React.JSX.Element }>, route = "/dashboard") {
  const Page = retryingLazy(load);
  const { Router, history } = createGuardedMemoryRouter([route]);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <AppProvider client={client}>
      <Router>
        <Routes>
          <Route element={<AppLayout />}>
            <Route path="dashboard" element={<Suspense fallback={<p>loading</p>}><Page /></Suspense>} />
            <Route path="examples" element={<h1>Examples list</h1>} />
          </Route>
        </Routes>
      </Router>
    </AppProvider>,
  );
  return history;
}

describe("a page that cannot be loaded", () => {
  afterEach(() => vi.restoreAllMocks());

  it("says so inside the app shell, offers Reload and a way back, and clears on navigation", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined); // React reports the caught error
    let fail = true;
    const load = vi.fn(async () => {
      if (fail) throw chunkError();
      return { default: () => <h1>Dashboard page</h1> };
    });
    const history = renderShell(load);

    expect(await screen.findByRole("heading", { name: "This page could not be loaded" })).toBeInTheDocument();
    expect(screen.getByRole("alert")).toHaveTextContent(/new version was installed/);
    expect(screen.getByRole("button", { name: "Reload" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Go to examples" })).toHaveAttribute("href", "/examples");
    expect(screen.getAllByRole("navigation", { name: "Main" })[0]).toBeInTheDocument();

    act(() => history.push("/examples"));
    expect(await screen.findByRole("heading", { name: "Examples list" })).toBeInTheDocument();
    expect(screen.queryByText("This page could not be loaded")).not.toBeInTheDocument();

    // The server is back: the next visit imports the page again instead of keeping the failure.
    fail = false;
    act(() => history.push("/dashboard"));
    expect(await screen.findByRole("heading", { name: "Dashboard page" })).toBeInTheDocument();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("reloads the whole app from the Reload button", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const reload = vi.fn();
    vi.spyOn(window, "location", "get").mockReturnValue({ ...window.location, reload });
    renderShell(async () => {
      throw chunkError();
    });
    (await screen.findByRole("button", { name: "Reload" })).click();
    expect(reload).toHaveBeenCalled();
  });

  it("tells chunk-load failures from other errors", () => {
    expect(isChunkLoadError(chunkError())).toBe(true);
    expect(isChunkLoadError(new TypeError("error loading dynamically imported module: /assets/x.js"))).toBe(true);
    expect(isChunkLoadError(new TypeError("Importing a module script failed."))).toBe(true);
    expect(isChunkLoadError(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(false);
  });
});
