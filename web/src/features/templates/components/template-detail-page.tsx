import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { Badge, StatusBadge } from "@/components/ui/badge";
import { Button, ButtonLink } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { TabList, useTab } from "@/components/ui/tabs";
import { errorMessage, isApiError } from "@/lib/api-client";
import { NotFoundPage, notFoundTitle } from "@/components/ui/not-found";
import { useToast } from "@/lib/toast";
import { LineageView } from "@/features/lineage/components/lineage-view";
import { usePageTitle } from "@/lib/use-page-title";
import { FOCUS_HEADING } from "@/lib/use-heading-focus";
import { useExamplesHome } from "../api/get-examples-home";
import { useTemplate } from "../api/get-template";
import { useUnsavedChanges } from "@/lib/use-unsaved-changes";
import type { Template } from "@/lib/api-types";
import { useTemplateAction, type LifecycleAction } from "../api/template-lifecycle";
import { isStaleTemplateEdit } from "../api/update-template";
import { AttributionPanel } from "./attribution-panel";
import { ExportDspyPanel } from "./export-dspy-panel";
import { ImportDspyPanel } from "./import-dspy-panel";
import { TemplateOverview } from "./template-overview";
import { TemplateVersionsTab } from "./template-versions-tab";
import { useTemplateDraft } from "./use-template-draft";
import { VersionDemos } from "./version-demos";
import { usePermission } from "@/lib/role";

const TABS = [
  { id: "overview", label: "Overview" },
  { id: "export", label: "Export to DSPy" },
  { id: "lineage", label: "Lineage" },
  { id: "attribution", label: "Attribution" },
  { id: "versions", label: "Versions" },
];

const confirmText: Record<LifecycleAction, { title: string; body: string; label: string }> = {
  publish: { title: "Publish this version?", body: "A published template is immutable: later changes need a new version.", label: "Publish" },
  archive: { title: "Archive this version?", body: "Archived versions stay readable but are hidden from new work.", label: "Archive" },
  version: { title: "Create a new version?", body: "Copies this version into a new draft whose parent is this one.", label: "Create version" },
};

export default function TemplateDetailPage() {
  const { id = "" } = useParams();
  const q = useTemplate(id);
  const missing = isApiError(q.error) && q.error.isNotFound;
  usePageTitle(q.data ? `${q.data.name} v${q.data.version}` : missing ? notFoundTitle("Template") : "Template");

  if (q.isPending) return <LoadingState label="Loading template…" />;
  if (missing) return <NotFoundPage what="Template" id={id} listTo="/templates" listLabel="Templates" />;
  if (q.isError) return <ErrorState error={q.error} title="Could not load this template" onRetry={() => q.refetch()} />;
  return <TemplateDetail key={q.data.id} template={q.data} />;
}

const SAVE_FIRST = "Your unsaved changes to the definition are saved first.";

function TemplateDetail({ template: t }: { template: Template }) {
  // A role below write sees no lifecycle actions, and no Optimize (a run launch needs write).
  const canWrite = usePermission("write", "change templates").allowed;
  const action = useTemplateAction(t.id);
  // The draft lives here, not in the Overview tab, so switching tabs keeps unsaved edits.
  const draft = useTemplateDraft(t);
  const leavePrompt = useUnsavedChanges(draft.dirty);
  const [tab, setTab] = useTab(TABS);
  const [pending, setPending] = useState<LifecycleAction | null>(null);
  // Why saving the draft first failed: the dialog's text, and what was thrown (its request id).
  const [saveError, setSaveError] = useState<{ text: string; cause: unknown } | null>(null);
  const navigate = useNavigate();
  const toast = useToast();
  // A version made by New version or Accept has no examples of its own: the link goes to its line's.
  const home = useExamplesHome(t).data;
  const examplesAt = home && home.id !== t.id ? home : null;

  const run = async (a: LifecycleAction) => {
    const saving = draft.dirty;
    setSaveError(null);
    if (saving) {
      try {
        await draft.save();
      } catch (e) {
        setSaveError({
          text: isStaleTemplateEdit(e)
            ? "Someone saved a newer version of this template while you were editing, so nothing was done. Close this dialog to load the latest version."
            : `Your changes could not be saved, so nothing was done: ${errorMessage(e)}`,
          cause: e,
        });
        return;
      }
    }
    action.mutate(a, {
      onSuccess: (res) => {
        setPending(null);
        if (a === "version") {
          toast.show(`${saving ? "Saved; created" : "Created"} version ${res.version}`);
          // The new version's page: focus on its heading (the dialog and its button are gone).
          navigate(`/templates/${res.id}`, { state: FOCUS_HEADING });
        } else if (a === "publish") toast.show(saving ? "Saved and published" : "Published");
        else toast.show(saving ? "Saved and archived" : "Archived");
      },
    });
  };
  const busy = action.isPending || draft.update.isPending;
  const dialogError = saveError ? (saveError.cause ?? saveError.text) : action.isError ? action.error : null;

  return (
    <>
      <PageHeader
        eyebrow={<Link to="/templates" className="hover:text-slate-700">← Templates</Link>}
        title={t.name}
        description={
          <span className="flex flex-wrap items-center gap-1.5">
            <Badge>v{t.version}</Badge>
            <StatusBadge status={t.status} />
            {t.parent_template_id && (
              <Link to={`/templates/${t.parent_template_id}`} className="text-xs text-indigo-600 hover:underline">
                parent version →
              </Link>
            )}
            {examplesAt && (
              <Link to={`/examples?template=${examplesAt.id}`} className="text-xs text-indigo-600 hover:underline">
                examples belong to v{examplesAt.version} →
              </Link>
            )}
            {t.description && <span className="ml-1 break-words text-slate-500">{t.description}</span>}
          </span>
        }
        actions={
          <>
            <ButtonLink to={`/examples?template=${examplesAt?.id ?? t.id}`}>{examplesAt ? `Examples (v${examplesAt.version})` : "Examples"}</ButtonLink>
            {canWrite && (
              <>
                <ButtonLink to={`/runs?template=${t.id}&new=1`}>Optimize</ButtonLink>
                {t.status === "draft" && <Button variant="primary" onClick={() => setPending("publish")}>Publish</Button>}
                {t.status !== "archived" && <Button onClick={() => setPending("archive")}>Archive</Button>}
                <Button onClick={() => setPending("version")}>New version</Button>
              </>
            )}
          </>
        }
      />
      {leavePrompt}
      <TabList tabs={TABS} active={tab} onSelect={setTab} label="Template sections" />
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "overview" && (
          <div className="space-y-6">
            <TemplateOverview template={t} draft={draft} />
            <VersionDemos template={t} />
          </div>
        )}
        {tab === "export" && (
          <div className="space-y-6">
            <ExportDspyPanel templateId={t.id} />
            <ImportDspyPanel templateId={t.id} />
          </div>
        )}
        {tab === "lineage" && <LineageView templateId={t.id} />}
        {tab === "attribution" && <AttributionPanel templateId={t.id} />}
        {tab === "versions" && <TemplateVersionsTab templateId={t.id} />}
      </div>
      {pending && (
        <ConfirmDialog
          open
          title={confirmText[pending].title}
          description={draft.dirty ? `${confirmText[pending].body} ${SAVE_FIRST}` : confirmText[pending].body}
          confirmLabel={confirmText[pending].label}
          confirmVariant={pending === "archive" ? "danger" : "primary"}
          pending={busy}
          error={dialogError}
          errorText={saveError?.text}
          onConfirm={() => void run(pending)}
          onClose={() => {
            setPending(null);
            setSaveError(null);
            action.reset();
          }}
        />
      )}
    </>
  );
}
