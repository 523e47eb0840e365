// The route table. Heavy pages (charts, graph) load lazily so the Example Store opens fast.
import { Suspense, type ReactNode } from "react";
import { Navigate, Route, Routes } from "react-router";
import { EmptyState, LoadingState } from "@/components/ui/states";
import { ButtonLink } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/card";
import { usePageTitle } from "@/lib/use-page-title";
import { AppLayout } from "./layout";
import { retryingLazy } from "./retrying-lazy";
import { ExamplesPage } from "@/features/examples/components/examples-page";
import { ExampleDetailPage, NewExamplePage } from "@/features/examples/components/example-detail-page";

const DashboardPage = retryingLazy(() => import("@/features/dashboard/components/dashboard-page"));
const TemplatesPage = retryingLazy(() => import("@/features/templates/components/templates-page"));
const TemplateDetailPage = retryingLazy(() => import("@/features/templates/components/template-detail-page"));
const RunsPage = retryingLazy(() => import("@/features/runs/components/runs-page"));
const RunDetailPage = retryingLazy(() => import("@/features/runs/components/run-detail-page"));
const ImportPage = retryingLazy(() => import("@/features/import/components/import-page"));
const RetrievalPage = retryingLazy(() => import("@/features/search/components/retrieval-page"));
const SnapshotsPage = retryingLazy(() => import("@/features/snapshots/components/snapshots-page"));
const DeletedExamplesPage = retryingLazy(() => import("@/features/examples/components/deleted-examples-page"));
const QualityPage = retryingLazy(() => import("@/features/quality/components/quality-page"));

function NotFound() {
  usePageTitle("Page not found");
  return (
    <>
      <PageHeader title="Page not found" />
      <EmptyState title="There is nothing at this address" description="Check the link, or start from the examples." action={<ButtonLink to="/examples">Go to examples</ButtonLink>} />
    </>
  );
}

const lazyPage = (node: ReactNode) => <Suspense fallback={<LoadingState />}>{node}</Suspense>;

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<AppLayout />}>
        <Route index element={<Navigate to="/examples" replace />} />
        <Route path="examples" element={<ExamplesPage />} />
        <Route path="examples/new" element={<NewExamplePage />} />
        <Route path="examples/import" element={lazyPage(<ImportPage />)} />
        <Route path="examples/deleted" element={lazyPage(<DeletedExamplesPage />)} />
        <Route path="examples/:id" element={<ExampleDetailPage />} />
        <Route path="retrievals/:id" element={lazyPage(<RetrievalPage />)} />
        <Route path="dashboard" element={lazyPage(<DashboardPage />)} />
        <Route path="templates" element={lazyPage(<TemplatesPage />)} />
        <Route path="templates/:id" element={lazyPage(<TemplateDetailPage />)} />
        <Route path="quality" element={lazyPage(<QualityPage />)} />
        <Route path="runs" element={lazyPage(<RunsPage />)} />
        <Route path="runs/:id" element={lazyPage(<RunDetailPage />)} />
        <Route path="snapshots" element={lazyPage(<SnapshotsPage />)} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
