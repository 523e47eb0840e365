import { describe, expect, it } from "vitest";
import { auditVerb } from "./audit-panel";

describe("audit trail verbs", () => {
  it("names what each route did: a bulk edit is no creation", () => {
    expect(auditVerb("POST /api/v1/examples")).toBe("created");
    expect(auditVerb("POST /api/v1/examples/bulk-update")).toBe("edited in bulk");
    expect(auditVerb("POST /api/v1/examples/bulk-delete")).toBe("deleted in bulk");
    expect(auditVerb("POST /api/v1/examples/import")).toBe("imported");
    expect(auditVerb("POST /api/v1/examples/{id}/restore")).toBe("restored");
    expect(auditVerb("PUT /api/v1/examples/{id}")).toBe("edited");
    expect(auditVerb("POST /api/v1/examples/outcome")).toBe("reported an outcome");
    expect(auditVerb("exemplar seed")).toBe("created by the demo seed");
    expect(auditVerb("exemplar import")).toBe("imported from a file (command line)");
  });

  it("says when a save changed nothing, when content was purged, and shows unknown routes as they are", () => {
    expect(auditVerb("PUT /api/v1/examples/{id}", { unchanged: true })).toBe("saved without changes");
    expect(auditVerb("DELETE /api/v1/examples/{id}", { purged: true, content_hash: "x" })).toBe("purged");
    expect(auditVerb("POST /api/v1/something-new")).toBe("POST /api/v1/something-new");
  });
});
