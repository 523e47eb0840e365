// Catches what a page throws while it renders or loads (a lazy page's script that cannot be
// fetched), so the app shell and its navigation stay usable and the user is told what happened.
import { Component, type ReactNode } from "react";
import { Button, ButtonLink } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/card";
import { usePageTitle } from "@/lib/use-page-title";
import { retryFailedPages } from "./retrying-lazy";

/**
 * A lazily loaded page's script could not be fetched: the server is unreachable, or a new version
 * was deployed and the old file names (content hashes) are gone. Reloading fetches the current
 * index.html and its scripts. The messages are the browsers' own (Chromium, Firefox, Safari) and
 * Vite's preload helper's.
 */
export function isChunkLoadError(error: unknown): boolean {
  const message = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  return /dynamically imported module|Importing a module script failed|Unable to preload CSS|ChunkLoadError/i.test(message);
}

type Props = { children: ReactNode; /** A change (the location) clears the error: the user went elsewhere. */ resetKey: string };
type State = { error: unknown; failedAt: string | null };

export class PageErrorBoundary extends Component<Props, State> {
  state: State = { error: null, failedAt: null };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error ?? new Error("unknown error") };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    if (state.error === null) return null;
    if (state.failedAt === null) return { failedAt: props.resetKey };
    if (state.failedAt === props.resetKey) return null;
    // Left the failed page: a page whose script did not download may try again when visited.
    retryFailedPages();
    return { error: null, failedAt: null };
  }

  render() {
    if (this.state.error === null) return this.props.children;
    return <PageLoadError error={this.state.error} />;
  }
}

function PageLoadError({ error }: { error: unknown }) {
  usePageTitle("Page could not be loaded");
  const chunk = isChunkLoadError(error);
  return (
    <>
      <PageHeader title="This page could not be loaded" />
      <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 px-4 py-4 text-sm text-rose-900">
        <p>
          {chunk
            ? "Part of the app could not be downloaded: the server may be unreachable, or a new version was installed. Reload to get the current version."
            : "Something went wrong while showing this page. Reload to try again."}
        </p>
        {!chunk && error instanceof Error && error.message && <p className="mt-1 text-rose-800">{error.message}</p>}
        <div className="mt-3 flex flex-wrap gap-2">
          <Button variant="primary" onClick={() => window.location.reload()}>
            Reload
          </Button>
          <ButtonLink to="/examples">Go to examples</ButtonLink>
        </div>
      </div>
    </>
  );
}
