import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderPage } from "@/testing/render";
import { DecisionBadge } from "./decision-badge";

const VERSION = "99999999-9999-4999-8999-999999999999";

// Review s24 loops2 (minor): a run accepted as a version deleted since linked to a 404.
describe("decision badge", () => {
  it("links the version an accepted run produced", () => {
    renderPage(<DecisionBadge run={{ decision: "accepted", acceptedTemplateId: VERSION }} />, { route: "/x", path: "/x" });
    expect(screen.getByRole("link")).toHaveAttribute("href", `/templates/${VERSION}`);
  });

  it("links nothing when that version was deleted, and says so", () => {
    renderPage(<DecisionBadge run={{ decision: "accepted", acceptedTemplateId: VERSION, acceptedTemplateDeleted: true }} />, {
      route: "/x",
      path: "/x",
    });
    expect(screen.getByText("accepted (version deleted)")).toBeInTheDocument();
    expect(screen.queryByRole("link")).not.toBeInTheDocument();
  });
});
