import { QueryClient } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { createMemoryRouter, RouterProvider } from "react-router";
import { AppProvider } from "@/app/provider";

/** Renders `ui` at `route` (matched by `path`) with the app's providers, a data router and a fresh query cache. */
export function renderPage(ui: ReactElement, { route = "/", path = "*" }: { route?: string; path?: string } = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const router = createMemoryRouter(
    [
      { path, element: ui },
      { path: "/examples/:id", element: <p>navigated to detail</p> },
      { path: "/examples", element: <p>navigated to list</p> },
      { path: "/elsewhere", element: <p>navigated elsewhere</p> },
    ],
    { initialEntries: [route] },
  );
  return { router, ...render(
    <AppProvider client={client}>
      <RouterProvider router={router} />
    </AppProvider>,
  ) };
}
