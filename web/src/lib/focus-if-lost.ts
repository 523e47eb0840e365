// Keyboard focus after the focused control went away in place (a restored row, a Cancel button on
// a run that ended, a toast that closed): the browser drops focus to <body>, and the next Tab starts
// over from the top of the document.

/** The current page's main heading (PageHeader's h1, focusable from script). */
export function pageHeading(): HTMLElement | null {
  return document.querySelector<HTMLElement>("#main h1") ?? document.querySelector<HTMLElement>("h1");
}

/**
 * Focuses the first of `targets` still in the document, but only when focus was lost (it is on
 * <body>): a user who has moved on elsewhere keeps their place.
 */
export function focusIfLost(...targets: (HTMLElement | null | undefined)[]): void {
  const active = document.activeElement;
  if (active && active !== document.body && active.isConnected) return;
  targets.find((t) => t?.isConnected)?.focus();
}
