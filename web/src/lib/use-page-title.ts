import { useEffect } from "react";

/** Sets `document.title` to "<title> · Exemplar" while the page is shown. */
export function usePageTitle(title: string | null | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · Exemplar` : "Exemplar";
  }, [title]);
}
