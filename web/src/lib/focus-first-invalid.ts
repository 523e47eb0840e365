// After a refused submit (a client check or a server 422) the user is taken to the first problem:
// on a long form, or a phone, it may be screens away from the Save button they pressed.

/**
 * Marks a message that belongs to no single control (a list's "duplicate field name", a form-wide
 * error): with tabIndex -1 it can take focus when it is the first problem.
 */
export const INVALID_MESSAGE = { "data-invalid-message": "", tabIndex: -1 } as const;

/**
 * Scrolls to and focuses the first invalid control (aria-invalid) or unattached message inside
 * `root`, in document order. Returns false when there is none (yet).
 */
export function focusFirstInvalid(root: HTMLElement | null): boolean {
  const el = root?.querySelector<HTMLElement>('[aria-invalid="true"], [data-invalid-message]');
  if (!el) return false;
  el.scrollIntoView?.({ block: "center" });
  el.focus({ preventScroll: true });
  return true;
}
