import { QueryClient } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes } from "react-router";
import { AppProvider } from "@/app/provider";

/** Renders `ui` at `route` (matched by `path`) with the app's providers and a fresh query cache. */
export function renderPage(ui: ReactElement, { route = "/", path = "*" }: { route?: string; path?: string } = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  return render(
    <AppProvider client={client}>
      <MemoryRouter initialEntries={[route]}>
        <Routes>
          <Route path={path} element={ui} />
          <Route path="/examples/:id" element={<p>navigated to detail</p>} />
        </Routes>
      </MemoryRouter>
    </AppProvider>,
  );
}
