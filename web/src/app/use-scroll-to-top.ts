import { useEffect, useRef } from "react";
import { useLocation, useNavigationType } from "react-router";

/**
 * A new page starts at its top: a link (push or replace) to another path scrolls the window up.
 * Back and Forward (POP) are left to the browser's own scroll restoration, and a change of the
 * search params alone (a list's filters, its page) is not a new page.
 */
export function useScrollToTop(): void {
  const { pathname } = useLocation();
  const type = useNavigationType();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (type !== "POP") window.scrollTo(0, 0);
    // Only a new path counts; the navigation type is read as of that change.
  }, [pathname]);
}
