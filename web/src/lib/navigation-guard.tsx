// Blocks leaving a page that holds unsaved edits, without React Router's data router (which would
// add ~18 KB gzipped to the first load): the router runs on a history object whose push/replace
// ask a registered check first, and whose back/forward moves are undone until the user agrees.
import { createContext, useContext, type ReactNode } from "react";
import { unstable_HistoryRouter as HistoryRouter, UNSAFE_createBrowserHistory, UNSAFE_createMemoryHistory, type HistoryRouterProps } from "react-router";

export type AppHistory = HistoryRouterProps["history"];
/** Asks the user whether to leave; calls `proceed` if they agree. */
export type LeaveCheck = (proceed: () => void) => void;
/** Holds the check of the page that currently has unsaved edits (at most one). */
export type GuardSlot = { current: LeaveCheck | null };

export const GuardContext = createContext<GuardSlot | null>(null);

export function useGuardSlot(): GuardSlot | null {
  return useContext(GuardContext);
}

const HistoryContext = createContext<AppHistory | null>(null);

/**
 * Reads the router's location as it is now, for code that runs after an await (a request that
 * answers later): a component's useLocation() is the location it last rendered, and says nothing
 * once the component is gone. null outside the app's routers.
 */
export function useLocationNow(): () => AppHistory["location"] | null {
  const history = useContext(HistoryContext);
  return () => history?.location ?? null;
}

function Providers({ slot, history, children }: { slot: GuardSlot; history: AppHistory; children: ReactNode }) {
  return (
    <GuardContext.Provider value={slot}>
      <HistoryContext.Provider value={history}>
        <HistoryRouter history={history}>{children}</HistoryRouter>
      </HistoryContext.Provider>
    </GuardContext.Provider>
  );
}

/** Wraps `inner` so that moves to another path wait for the slot's check, if one is set. */
export function createGuardedHistory(inner: AppHistory, slot: GuardSlot): AppHistory {
  let reverting = false;
  let allowPop = false;
  let shownPath = inner.location.pathname;
  const leaves = (to: Parameters<AppHistory["push"]>[0]) => inner.createURL(to).pathname !== shownPath;
  const guarded = (to: Parameters<AppHistory["push"]>[0], go: () => void) => {
    const check = slot.current;
    if (check && leaves(to)) check(go);
    else go();
  };
  return {
    get action() {
      return inner.action;
    },
    get location() {
      return inner.location;
    },
    createHref: (to) => inner.createHref(to),
    createURL: (to) => inner.createURL(to),
    encodeLocation: (to) => inner.encodeLocation(to),
    push: (to, state) => guarded(to, () => inner.push(to, state)),
    replace: (to, state) => guarded(to, () => inner.replace(to, state)),
    go: (delta) => inner.go(delta),
    listen(listener) {
      return inner.listen((update) => {
        if (update.action === "POP") {
          if (reverting) {
            // The undo of a refused back/forward: the router never saw the move.
            reverting = false;
            return;
          }
          const check = slot.current;
          const delta = update.delta;
          if (check && !allowPop && typeof delta === "number" && delta !== 0 && update.location.pathname !== shownPath) {
            reverting = true;
            inner.go(-delta);
            check(() => {
              allowPop = true;
              inner.go(delta);
            });
            return;
          }
          allowPop = false;
        }
        shownPath = update.location.pathname;
        listener(update);
      });
    },
  };
}

export function GuardedBrowserRouter({ children }: { children: ReactNode }) {
  return (
    <Providers slot={guardSingleton.slot} history={guardSingleton.history}>
      {children}
    </Providers>
  );
}

// One browser history per page load, like BrowserRouter's own.
const guardSingleton = (() => {
  const slot: GuardSlot = { current: null };
  const history = typeof window === "undefined" ? null! : createGuardedHistory(UNSAFE_createBrowserHistory({ v5Compat: true }), slot);
  return { slot, history };
})();

/** For tests: a guarded in-memory router; `history.push` navigates like a link would. */
export function createGuardedMemoryRouter(initialEntries: string[]) {
  const slot: GuardSlot = { current: null };
  const history = createGuardedHistory(UNSAFE_createMemoryHistory({ initialEntries, v5Compat: true }), slot);
  function Router({ children }: { children: ReactNode }) {
    return (
      <Providers slot={slot} history={history}>
        {children}
      </Providers>
    );
  }
  return { Router, history };
}
