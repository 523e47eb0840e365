// What was decided about a finished run (SPEC §4.6): accepted (as a new template version, linked)
// or rejected. Nothing while undecided.
import { Link } from "react-router";
import { Badge } from "@/components/ui/badge";
import type { Run } from "../api/types";

export function DecisionBadge({ run }: { run: Pick<Run, "decision" | "acceptedTemplateId" | "acceptedTemplateDeleted"> }) {
  if (run.decision === "accepted") {
    // A version deleted since has no page to open.
    if (run.acceptedTemplateDeleted) return <Badge tone="emerald">accepted (version deleted)</Badge>;
    return run.acceptedTemplateId ? (
      <Link to={`/templates/${run.acceptedTemplateId}`} className="inline-flex rounded-full focus-visible:outline-2 focus-visible:outline-indigo-600" title="Open the template version it was accepted as">
        <Badge tone="emerald">accepted → version</Badge>
      </Link>
    ) : (
      <Badge tone="emerald">accepted</Badge>
    );
  }
  if (run.decision === "rejected") return <Badge tone="rose">rejected</Badge>;
  return run.decision ? <Badge>{run.decision}</Badge> : null;
}
