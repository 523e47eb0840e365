// Minimal toast notifications: `useToast().show("Saved")`. Toasts live in a polite live region.
// A toast may carry one action (`{ label: "Undo", run }`); it then stays longer, and clicking the
// action runs it and dismisses the toast. Every toast has a Dismiss button.
// Placement: on a phone (below md, where the app has a top bar) toasts sit at the top, under the
// bar: a bottom toast would cover what a phone user is looking at there, the field being typed in
// and the form's buttons. From md up they sit at the bottom right, beside the content.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { CloseIcon } from "@/components/ui/icons";
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

function ToastItem({ toast: t, dismiss }: { toast: Toast; dismiss: (id: number) => void }) {
  const box = useRef<HTMLDivElement>(null);
  const actionButton = useRef<HTMLButtonElement>(null);
  const [held, setHeld] = useState({ focus: false, pointer: false });
  const holding = held.focus || held.pointer;
  useEffect(() => {
    if (t.action?.focus) actionButton.current?.focus();
  }, [t.action]);
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
        "pointer-events-auto flex items-center gap-2 rounded-lg py-1.5 pr-1.5 pl-3.5 text-sm font-medium shadow-lg ring-1 md:max-w-md",
        t.tone === "success" && "bg-emerald-50 text-emerald-900 ring-emerald-200",
        t.tone === "error" && "bg-rose-50 text-rose-900 ring-rose-200",
        t.tone === "info" && "bg-white text-slate-800 ring-slate-200",
      )}
    >
      <span className="min-w-0 flex-1 py-1 break-words">{t.message}</span>
      {t.action && (
        <button
          ref={actionButton}
          type="button"
          onClick={() => {
            dismiss(t.id);
            t.action?.run();
          }}
          className="shrink-0 rounded px-2 py-1 font-semibold underline underline-offset-2 hover:bg-black/5 focus-visible:outline-2 focus-visible:outline-indigo-600"
        >
          {t.action.label}
        </button>
      )}
      <button
        type="button"
        aria-label="Dismiss"
        onClick={() => dismiss(t.id)}
        className="shrink-0 rounded p-1.5 opacity-70 hover:bg-black/5 hover:opacity-100 focus-visible:outline-2 focus-visible:outline-indigo-600"
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
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div
        aria-live="polite"
        className="pointer-events-none fixed inset-x-3 top-[3.75rem] z-50 flex flex-col items-stretch gap-2 md:top-auto md:right-4 md:bottom-4 md:left-auto md:items-end"
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
