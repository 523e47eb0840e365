// Loading, empty and error states used by every page and panel.
import type { ReactNode } from "react";
import { errorMessage, isApiError } from "@/lib/api-client";
import { openSignIn } from "@/lib/auth";
import { cn } from "@/lib/format";
import { Button } from "./button";
import { CopyButton } from "./copy-button";
import { Spinner } from "./spinner";

export function LoadingState({ label = "Loading…", className }: { label?: string; className?: string }) {
  return (
    <div role="status" className={cn("flex items-center justify-center gap-2 py-12 text-sm text-slate-500", className)}>
      <Spinner />
      {label}
    </div>
  );
}

export function EmptyState({ title, description, action, className }: { title: string; description?: ReactNode; action?: ReactNode; className?: string }) {
  return (
    <div className={cn("flex flex-col items-center justify-center rounded-lg border border-dashed border-slate-300 px-6 py-12 text-center", className)}>
      <p className="text-sm font-semibold text-slate-800">{title}</p>
      {description && <p className="mt-1 max-w-md text-sm text-slate-500">{description}</p>}
      {action && <div className="mt-4">{action}</div>}
    </div>
  );
}

type ErrorStateProps = { error: unknown; title?: string; onRetry?: () => void; className?: string };

export function ErrorState({ error, title, onRetry, className }: ErrorStateProps) {
  const notFound = isApiError(error) && error.status === 404;
  // The server wants a token: trying again without one cannot help (the dialog may have been closed).
  const signIn = isApiError(error) && error.status === 401;
  const heading = title ?? (notFound ? "Not found" : "Something went wrong");
  return (
    <div role="alert" className={cn("rounded-lg border border-rose-200 bg-rose-50 px-4 py-3 text-sm", className)}>
      <p className="font-semibold text-rose-900">{heading}</p>
      <p className="mt-0.5 text-rose-800">{errorMessage(error)}</p>
      <RequestId error={error} />
      {signIn && (
        <Button size="sm" className="mt-2" onClick={openSignIn}>
          Sign in
        </Button>
      )}
      {onRetry && !notFound && !signIn && (
        <Button size="sm" className="mt-2" onClick={onRetry}>
          Try again
        </Button>
      )}
    </div>
  );
}

/**
 * An action's failure inside a dialog or a form (a confirm dialog's delete, a form's top-level
 * refusal): the server's message, or `message` in its place, and the request id with Copy. `error`
 * is what was thrown, or a message of the UI's own (which has no id). Every such place shows an
 * error this way, so the id a user reports is never missing (review s23).
 */
export function ActionError({ error, message, boxed, className }: { error: unknown; message?: ReactNode; boxed?: boolean; className?: string }) {
  return (
    <div role="alert" className={cn("text-sm", boxed ? "rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-rose-800" : "text-rose-700", className)}>
      <p className="[overflow-wrap:anywhere]">{message ?? errorMessage(error)}</p>
      <RequestId error={error} />
    </div>
  );
}

/**
 * "Request id: …" under a server's error message, small, selectable with one click and with a Copy
 * button: the id finds the request's log lines (README, logging). Nothing when there is no id.
 */
export function RequestId({ error, className }: { error: unknown; className?: string }) {
  if (!isApiError(error) || !error.requestId) return null;
  return (
    <p className={cn("mt-1.5 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-600", className)}>
      <span className="min-w-0 [overflow-wrap:anywhere]">
        Request id: <code className="font-mono select-all">{error.requestId}</code>
      </span>
      <CopyButton text={error.requestId} label="Copy id" />
    </p>
  );
}

/** Shown where an endpoint the UI depends on is not served yet (404 on the route itself). */
export function UnavailableState({ feature, error }: { feature: string; error: unknown }) {
  if (isApiError(error) && error.status === 404) {
    return <EmptyState title={`${feature} is not available`} description="This server does not provide this feature yet (404)." />;
  }
  return <ErrorState error={error} />;
}
