import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockFetch, noTemplates } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import TemplatesPage from "./templates-page";

describe("templates page", () => {
  it("offers Create a template in the empty state of a store without templates, as Examples does", async () => {
    mockFetch(noTemplates);
    renderPage(<TemplatesPage />, { route: "/templates", path: "/templates" });
    expect(await screen.findByText("No templates")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Create a template" }));
    expect(await screen.findByRole("dialog")).toBeInTheDocument();
  });

  it("does not offer it when a filter hides the templates", async () => {
    mockFetch(noTemplates);
    renderPage(<TemplatesPage />, { route: "/templates?status=archived", path: "/templates" });
    expect(await screen.findByText("Nothing matches this filter.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Create a template" })).not.toBeInTheDocument();
  });
});
