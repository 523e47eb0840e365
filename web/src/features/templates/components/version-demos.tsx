// A template version's own demonstrations: the demos it was accepted or imported with (bootstrapped
// ones carry the LM's outputs, shown beside the stored label when they differ), or hand-written ones.
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import type { Template } from "@/lib/api-types";
import type { Demo } from "@/features/runs/api/get-run-results";
import { Demonstrations } from "./demonstrations";

export function versionDemos(t: Template): Demo[] {
  return (t.examples ?? []).map((e) => ({
    exampleId: typeof e.example_id === "string" ? e.example_id : undefined,
    augmented: e.augmented === true,
    purged: e.purged === true,
    fields: { ...e.input, ...e.output },
    input: e.input,
    output: e.output,
  }));
}

const FIRST = 3; // a long list folds after the first few

export function VersionDemos({ template }: { template: Template }) {
  const demos = versionDemos(template);
  const [showAll, setShowAll] = useState(false);
  if (demos.length === 0) return null;
  const shown = showAll || demos.length <= FIRST ? demos : demos.slice(0, FIRST);
  const bootstrapped = demos.filter((d) => d.augmented).length;
  return (
    <Card>
      <CardHeader
        title="Demonstrations"
        description={`${demos.length} demo${demos.length === 1 ? "" : "s"} in this version${bootstrapped ? `, ${bootstrapped} bootstrapped (outputs written by the LM)` : ""}. A DSPy export says whether it used them or the store's examples.`}
      />
      <CardBody>
        <Demonstrations demos={shown} template={template} />
        {shown.length < demos.length && (
          <Button size="sm" className="mt-3" onClick={() => setShowAll(true)}>
            Show all {demos.length} demos
          </Button>
        )}
      </CardBody>
    </Card>
  );
}
