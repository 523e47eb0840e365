// Minimal toast notifications: `useToast().show("Saved")`. Toasts live in a polite live region.
// A toast may carry one action (`{ label: "Undo", run }`); it then stays longer, and clicking the
// action runs it and dismisses the toast. Every toast has a Dismiss button.
// Placement: a toast must not cover what the user is working with.
// - From md up the sidebar is free below its links, so toasts stack there, in its width, above its
//   footer: clear of the page's right-hand buttons (Save, the Effectiveness panel's Open) and of
//   a centred dialog.
// - On a phone there is no free column, so a toast takes the screen edge away from the focused
//   control: under the top bar when focus is in the lower half (the field being typed in and the
//   form's buttons at the bottom), at the bottom otherwise, and at the bottom while a modal dialog
//   is open (its title is at the top; its overlay has room to scroll its buttons clear). It is
//   decided when a toast appears and again whenever focus moves. While toasts sit at the bottom
//   the page gets a spacer of their height at its end, so its last line can scroll above them.
import { createContext, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { CloseIcon } from "@/components/ui/icons";
import { focusIfLost, pageHeading } from "./focus-if-lost";
import { cn } from "./format";

type Tone = "success" | "error" | "info";
/** `focus`: move keyboard focus to the action's button (when the control the user pressed is gone). */
export type ToastAction = { label: string; run: () => void; focus?: boolean };
type Toast = { id: number; message: string; tone: Tone; action?: ToastAction };
type ToastApi = { show: (message: string, tone?: Tone, action?: ToastAction) => void };

const ToastContext = createContext<ToastApi>({ show: () => undefined });
let nextId = 1;
// Long enough to read a message; an action gets more, so there is time to reach its button. A toast
// holding focus (or the pointer) stays; it times out SHOW_WITH_ACTION_MS after focus leaves it.
const SHOW_MS = 4000;
const SHOW_WITH_ACTION_MS = 10000;

type Edge = "top" | "bottom";

/** The phone edge for toasts (see the file comment); `current` stands while focus is in a toast. */
function phoneEdge(region: HTMLElement | null, current: Edge): Edge {
  if (document.querySelector('[role="dialog"][aria-modal="true"]')) return "bottom";
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return "bottom";
  if (region?.contains(el)) return current;
  const r = el.getBoundingClientRect();
  return r.top + r.height / 2 > window.innerHeight / 2 ? "top" : "bottom";
}

function ToastItem({ toast: t, dismiss }: { toast: Toast; dismiss: (id: number) => void }) {
  const box = useRef<HTMLDivElement>(null);
  const actionButton = useRef<HTMLButtonElement>(null);
  const [held, setHeld] = useState({ focus: false, pointer: false });
  const holding = held.focus || held.pointer;
  // Where focus was before the toast took it, to give it back when the toast closes.
  const before = useRef<Element | null>(null);
  useEffect(() => {
    if (!t.action?.focus) return;
    before.current = document.activeElement;
    actionButton.current?.focus();
  }, [t.action]);
  /** Closes the toast; focus inside it goes back where it was, or to the page's heading (Undo: the deleting control is gone). */
  const close = () => {
    if (box.current?.contains(document.activeElement)) {
      (document.activeElement as HTMLElement).blur();
      focusIfLost(before.current instanceof HTMLElement && before.current !== document.body ? before.current : null, pageHeading());
    }
    dismiss(t.id);
  };
  useEffect(() => {
    if (holding) return;
    const timer = setTimeout(() => dismiss(t.id), t.action ? SHOW_WITH_ACTION_MS : SHOW_MS);
    return () => clearTimeout(timer);
  }, [holding, dismiss, t.id, t.action]);
  return (
    <div
      ref={box}
      role="status"
      onFocus={() => setHeld((h) => ({ ...h, focus: true }))}
      onBlur={(e) => !box.current?.contains(e.relatedTarget as Node | null) && setHeld((h) => ({ ...h, focus: false }))}
      onPointerEnter={() => setHeld((h) => ({ ...h, pointer: true }))}
      onPointerLeave={() => setHeld((h) => ({ ...h, pointer: false }))}
      className={cn(
        "pointer-events-auto flex items-center gap-2 rounded-lg py-1.5 pr-1.5 pl-3.5 text-sm font-medium shadow-lg ring-1",
        // From md the toast has the sidebar's width: an action (Undo, Open) beside the message left
        // it too narrow for a word (a name broke mid-word), so the action goes under the message.
        "md:grid md:grid-cols-[minmax(0,1fr)_auto] md:gap-x-1 md:gap-y-0",
        t.tone === "success" && "bg-emerald-50 text-emerald-900 ring-emerald-200",
        t.tone === "error" && "bg-rose-50 text-rose-900 ring-rose-200",
        t.tone === "info" && "bg-white text-slate-800 ring-slate-200",
      )}
    >
      <span className="min-w-0 flex-1 py-1 break-words md:col-start-1 md:row-start-1">{t.message}</span>
      {t.action && (
        <button
          ref={actionButton}
          type="button"
          onClick={() => {
            close();
            t.action?.run();
          }}
          className="shrink-0 rounded px-2 py-1 font-semibold underline underline-offset-2 hover:bg-black/5 focus-visible:outline-2 focus-visible:outline-indigo-600 md:col-start-1 md:row-start-2 md:-ml-2 md:justify-self-start"
        >
          {t.action.label}
        </button>
      )}
      <button
        type="button"
        aria-label="Dismiss"
        onClick={close}
        className="shrink-0 rounded p-1.5 opacity-70 hover:bg-black/5 hover:opacity-100 focus-visible:outline-2 focus-visible:outline-indigo-600 md:col-start-2 md:row-start-1 md:self-start"
      >
        <CloseIcon className="size-4" />
      </button>
    </div>
  );
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: number) => setToasts((t) => t.filter((x) => x.id !== id)), []);
  const show = useCallback((message: string, tone: Tone = "success", action?: ToastAction) => {
    const id = nextId++;
    setToasts((t) => [...t, { id, message, tone, action }]);
  }, []);
  const value = useMemo(() => ({ show }), [show]);
  const region = useRef<HTMLDivElement>(null);
  const [edge, setEdge] = useState<Edge>("top");
  const [height, setHeight] = useState(0);
  const shown = toasts.length > 0;
  useLayoutEffect(() => {
    if (!shown) return;
    setEdge((e) => phoneEdge(region.current, e));
    setHeight(region.current?.offsetHeight ?? 0);
  }, [toasts, shown]);
  useEffect(() => {
    if (!shown) return;
    const onFocus = () => setEdge((e) => phoneEdge(region.current, e));
    document.addEventListener("focusin", onFocus);
    return () => document.removeEventListener("focusin", onFocus);
  }, [shown]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      {shown && edge === "bottom" && <div aria-hidden="true" data-testid="toast-spacer" className="md:hidden" style={{ height: height + 24 }} />}
      <div
        ref={region}
        aria-live="polite"
        data-edge={edge}
        className={cn(
          "pointer-events-none fixed inset-x-3 z-50 flex flex-col items-stretch gap-2",
          edge === "top" ? "top-[3.75rem]" : "bottom-3",
          // The sidebar is w-56 (14rem); its footer (links, and Sign in / Sign out when the server
          // wants a token) takes the bottom 5.5rem.
          "md:top-auto md:right-auto md:bottom-24 md:left-2 md:w-52",
        )}
      >
        {toasts.map((t) => (
          <ToastItem key={t.id} toast={t} dismiss={dismiss} />
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): ToastApi {
  return useContext(ToastContext);
}
