// Lazily loaded pages that can be loaded again after their script failed to download.
import { lazy, type ComponentType } from "react";

// The pages whose last import failed, each with the way to start a fresh one.
const failed = new Set<() => void>();

/**
 * React.lazy keeps a failed import for good, so a page whose script could not be fetched (server
 * down for a moment) would fail on every later visit until a reload. A page made here stays failed
 * until `retryFailedPages()` (the error boundary calls it when the user navigates away), and then
 * imports again on its next render. Never retried on its own: a server that stays down is not
 * asked again and again.
 */
export function retryingLazy(load: () => Promise<{ default: ComponentType }>): ComponentType {
  const make = () =>
    lazy(() =>
      load().catch((error: unknown) => {
        failed.add(retry);
        throw error;
      }),
    );
  const retry = () => {
    current = make();
  };
  let current = make();
  return function LazyPage() {
    const Page = current;
    return <Page />;
  };
}

/** Lets every page whose import failed try again on its next render. */
export function retryFailedPages(): void {
  for (const retry of failed) retry();
  failed.clear();
}
