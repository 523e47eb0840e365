import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { GuardedBrowserRouter } from "./lib/navigation-guard";
import { AppProvider } from "./app/provider";
import { AppRoutes } from "./app/routes";
import "./index.css";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <AppProvider>
      <GuardedBrowserRouter>
        <AppRoutes />
      </GuardedBrowserRouter>
    </AppProvider>
  </StrictMode>,
);
