import { NavLink, Outlet } from "react-router";
import { DashboardIcon, ExamplesIcon, RunsIcon, TemplatesIcon } from "@/components/ui/icons";
import { cn } from "@/lib/format";

const nav = [
  { to: "/examples", label: "Examples", icon: ExamplesIcon },
  { to: "/dashboard", label: "Dashboard", icon: DashboardIcon },
  { to: "/templates", label: "Templates", icon: TemplatesIcon },
  { to: "/runs", label: "Optimization", icon: RunsIcon },
];

export function AppLayout() {
  return (
    <div className="flex min-h-screen">
      <a href="#main" className="sr-only z-50 rounded bg-white px-3 py-2 focus:not-sr-only focus:fixed focus:top-2 focus:left-2">
        Skip to content
      </a>
      <aside className="w-56 shrink-0 border-r border-slate-200 bg-white">
        <div className="sticky top-0 flex h-screen flex-col">
          <div className="flex items-center gap-2.5 px-5 py-5">
            <span className="grid size-8 place-items-center rounded-lg bg-indigo-600 text-sm font-bold text-white">E</span>
            <div>
              <p className="text-sm leading-tight font-semibold text-slate-900">Exemplar</p>
              <p className="text-[11px] leading-tight text-slate-500">Example Store · DSPy</p>
            </div>
          </div>
          <nav aria-label="Main" className="flex flex-col gap-0.5 px-3">
            {nav.map(({ to, label, icon: Icon }) => (
              <NavLink
                key={to}
                to={to}
                className={({ isActive }) =>
                  cn(
                    "flex items-center gap-2.5 rounded-md px-3 py-2 text-sm font-medium focus-visible:outline-2 focus-visible:outline-indigo-600",
                    isActive ? "bg-indigo-50 text-indigo-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900",
                  )
                }
              >
                <Icon />
                {label}
              </NavLink>
            ))}
          </nav>
          <div className="mt-auto px-5 py-4 text-[11px] text-slate-400">
            <a className="hover:text-slate-600" href="/api/v1/openapi.json">
              API reference (OpenAPI)
            </a>
          </div>
        </div>
      </aside>
      <main id="main" className="min-w-0 flex-1 px-8 py-7">
        <div className="mx-auto max-w-7xl">
          <Outlet />
        </div>
      </main>
    </div>
  );
}
