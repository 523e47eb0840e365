import { useEffect, useRef, type RefObject } from "react";
import { useLocation } from "react-router";

/**
 * Navigation state for a flow whose pressed control goes away with the page it leaves (Run →
 * Accept, Create example, Start optimization): `navigate(to, { state: FOCUS_HEADING })` asks the
 * page arrived at to focus its heading (every PageHeader does), so keyboard and screen-reader users
 * start there instead of at the document's top.
 */
export const FOCUS_HEADING = { focus: "heading" } as const;

/**
 * Focuses `heading` (an element with tabIndex -1) once per arrival that carries FOCUS_HEADING,
 * as soon as it is rendered: a page that loads first renders its heading later.
 */
export function useHeadingFocus(heading: RefObject<HTMLElement | null>): void {
  const location = useLocation();
  const done = useRef<string | null>(null);
  useEffect(() => {
    const wanted = (location.state as { focus?: string } | null)?.focus === FOCUS_HEADING.focus;
    if (!wanted || done.current === location.key || !heading.current) return;
    done.current = location.key;
    heading.current.focus();
  });
}
