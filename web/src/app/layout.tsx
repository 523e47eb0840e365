import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, Outlet, useLocation } from "react-router";
import { CloseIcon, DashboardIcon, ExamplesIcon, ImportIcon, MenuIcon, QualityIcon, RunsIcon, SnapshotIcon, TemplatesIcon } from "@/components/ui/icons";
import { useModalFocus } from "@/components/ui/use-modal-focus";
import { openSignIn, signOut, useAuth } from "@/lib/auth";
import { cn } from "@/lib/format";
import { PageErrorBoundary } from "./page-error-boundary";
import { useScrollToTop } from "./use-scroll-to-top";
import { usePermission } from "@/lib/role";

const isImport = (path: string) => path.startsWith("/examples/import");
const nav = [
  // Examples stays highlighted on an example's page, but not on the import page.
  { to: "/examples", label: "Examples", icon: ExamplesIcon, active: (path: string) => path.startsWith("/examples") && !isImport(path) },
  { to: "/examples/import", label: "Import", icon: ImportIcon, active: isImport, needsWrite: true },
  { to: "/dashboard", label: "Dashboard", icon: DashboardIcon, active: (path: string) => path.startsWith("/dashboard") },
  { to: "/quality", label: "Quality", icon: QualityIcon, active: (path: string) => path.startsWith("/quality") },
  { to: "/templates", label: "Templates", icon: TemplatesIcon, active: (path: string) => path.startsWith("/templates") },
  { to: "/runs", label: "Optimization", icon: RunsIcon, active: (path: string) => path.startsWith("/runs") },
  { to: "/snapshots", label: "Snapshots", icon: SnapshotIcon, active: (path: string) => path.startsWith("/snapshots") },
];

function Brand() {
  return (
    <div className="flex items-center gap-2.5">
      <span className="grid size-8 shrink-0 place-items-center rounded-lg bg-indigo-600 text-sm font-bold text-white">E</span>
      <div>
        <p className="text-sm leading-tight font-semibold text-slate-900">Exemplar</p>
        <p className="text-[11px] leading-tight text-slate-500">Example Store · DSPy</p>
      </div>
    </div>
  );
}

function NavLinks() {
  const { pathname } = useLocation();
  // Import is hidden from a role that cannot import (the page itself refuses to start one).
  const canWrite = usePermission("write", "import examples").allowed;
  return (
    <nav aria-label="Main" className="flex flex-col gap-0.5 px-3">
      {nav.map(({ to, label, icon: Icon, active, needsWrite }) => {
        if (needsWrite && !canWrite) return null;
        const isActive = active(pathname);
        return (
          <Link
            key={to}
            to={to}
            aria-current={isActive ? "page" : undefined}
            className={cn(
              "flex items-center gap-2.5 rounded-md px-3 py-2 text-sm font-medium focus-visible:outline-2 focus-visible:outline-indigo-600",
              isActive ? "bg-indigo-50 text-indigo-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900",
            )}
          >
            <Icon />
            {label}
          </Link>
        );
      })}
    </nav>
  );
}

/**
 * Sign out while a token is held; Sign in once the server has asked for one. Nothing otherwise.
 * `onAction` runs after either (the drawer closes: the sign-in dialog that follows must be the only
 * dialog on screen).
 */
function Session({ onAction }: { onAction?: () => void }) {
  const { token, required } = useAuth();
  const queryClient = useQueryClient();
  const link = "self-start rounded text-left font-medium text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-600";
  if (token) {
    return (
      <button
        type="button"
        className={link}
        onClick={() => {
          signOut();
          onAction?.();
          // Nothing read with the token stays on screen; the pages ask again (and the server, for a token).
          void queryClient.resetQueries();
        }}
      >
        Sign out <span className="font-normal text-slate-500">(API token)</span>
      </button>
    );
  }
  if (!required) return null;
  return (
    <button
      type="button"
      className={link}
      onClick={() => {
        onAction?.();
        openSignIn();
      }}
    >
      Sign in
    </button>
  );
}

function Footer({ onSession }: { onSession?: () => void }) {
  return (
    <div className="mt-auto flex flex-col gap-1 px-5 py-4 text-[11px] text-slate-500">
      <Session onAction={onSession} />
      {/* A page of its own (web/docs/), outside the app's bundle: a full page load, not a client route. */}
      <a className="hover:text-slate-800" href="/docs">
        API docs
      </a>
      <a className="hover:text-slate-800" href="/api/v1/openapi.json">
        OpenAPI document (JSON)
      </a>
    </div>
  );
}

/** Sidebar from the md breakpoint up; below it a top bar whose menu button opens the same links in a drawer. */
export function AppLayout() {
  const [open, setOpen] = useState(false);
  const location = useLocation();
  const drawer = useRef<HTMLDivElement>(null);
  useEffect(() => setOpen(false), [location.pathname]);
  useScrollToTop();
  // Focus moves into the drawer and stays there, Esc closes it and focus returns to the menu button.
  useModalFocus(open, drawer, () => setOpen(false));

  return (
    <div className="flex min-h-screen flex-col md:flex-row">
      <a href="#main" className="sr-only z-50 rounded bg-white px-3 py-2 focus:not-sr-only focus:fixed focus:top-2 focus:left-2">
        Skip to content
      </a>
      <header className="sticky top-0 z-30 flex items-center justify-between border-b border-slate-200 bg-white px-4 py-2.5 md:hidden">
        <Brand />
        <button
          type="button"
          aria-label="Open menu"
          aria-expanded={open}
          aria-controls="mobile-nav"
          onClick={() => setOpen(true)}
          className="rounded-md p-2 text-slate-600 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600"
        >
          <MenuIcon className="size-5" />
        </button>
      </header>
      {open && (
        <div className="fixed inset-0 z-40 md:hidden">
          <div className="absolute inset-0 bg-slate-900/40" onClick={() => setOpen(false)} aria-hidden="true" />
          <div ref={drawer} id="mobile-nav" role="dialog" aria-modal="true" aria-label="Menu" className="absolute inset-y-0 left-0 flex w-64 max-w-[80vw] flex-col bg-white shadow-xl">
            <div className="flex items-center justify-between px-5 py-4">
              <Brand />
              <button type="button" aria-label="Close menu" onClick={() => setOpen(false)} className="rounded-md p-1.5 text-slate-500 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-600">
                <CloseIcon className="size-5" />
              </button>
            </div>
            <NavLinks />
            <Footer onSession={() => setOpen(false)} />
          </div>
        </div>
      )}
      <aside className="hidden w-56 shrink-0 border-r border-slate-200 bg-white md:block">
        <div className="sticky top-0 flex h-screen flex-col">
          <div className="px-5 py-5">
            <Brand />
          </div>
          <NavLinks />
          <Footer />
        </div>
      </aside>
      <main id="main" className="min-w-0 flex-1 px-4 py-5 md:px-8 md:py-7">
        <div className="mx-auto max-w-7xl">
          {/* A page that fails (its script cannot be fetched) leaves the navigation usable; going elsewhere clears it. */}
          <PageErrorBoundary resetKey={location.key}>
            <Outlet />
          </PageErrorBoundary>
        </div>
      </main>
    </div>
  );
}
