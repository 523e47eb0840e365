import { QueryClient } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { Route, Routes } from "react-router";
import { AppProvider } from "@/app/provider";
import { createGuardedMemoryRouter } from "@/lib/navigation-guard";

/**
 * Renders `ui` at `route` (matched by `path`) with the app's providers, the app's guarded router
 * (in memory) and a fresh query cache. `history.push` navigates the way a link does. `routes`
 * adds real pages to navigate to, in place of the stand-ins ("navigated to template").
 */
export function renderPage(
  ui: ReactElement,
  { route = "/", path = "*", routes = [] }: { route?: string; path?: string; routes?: { path: string; element: ReactElement }[] } = {},
) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const { Router, history } = createGuardedMemoryRouter([route]);
  const result = render(
    <AppProvider client={client}>
      <Router>
        <Routes>
          <Route path={path} element={ui} />
          {routes.map((r) => (
            <Route key={r.path} path={r.path} element={r.element} />
          ))}
          <Route path="/examples" element={<p>navigated to list</p>} />
          <Route path="/examples/:id" element={<p>navigated to detail</p>} />
          <Route path="/templates/:id" element={<p>navigated to template</p>} />
          <Route path="/elsewhere" element={<p>navigated elsewhere</p>} />
        </Routes>
      </Router>
    </AppProvider>,
  );
  return { history, ...result };
}
