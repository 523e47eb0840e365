import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { GuardedBrowserRouter } from "./lib/navigation-guard";
import { AppProvider } from "./app/provider";
import { AppRoutes } from "./app/routes";
import "./index.css";

createRoot(document.getElementById("root")!, {
  // A page's error is shown by the page's error boundary (app/page-error-boundary.tsx); the console
  // keeps the details for whoever debugs it, as a warning: the app handled it.
  onCaughtError: (error, info) => console.warn("page failed to render:", error, info.componentStack),
}).render(
  <StrictMode>
    <AppProvider>
      <GuardedBrowserRouter>
        <AppRoutes />
      </GuardedBrowserRouter>
    </AppProvider>
  </StrictMode>,
);
