import { screen, waitFor } from "@testing-library/react";
import type { ReactElement } from "react";
import { describe, expect, it } from "vitest";
import { mockFetch, noTemplates } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { ExampleDetailPage } from "@/features/examples/components/example-detail-page";
import RunDetailPage from "@/features/runs/components/run-detail-page";
import TemplateDetailPage from "@/features/templates/components/template-detail-page";

const ID = "66666666-6666-4666-8666-666666666666";

describe("a record that does not exist", () => {
  it.each<[string, ReactElement, string, string, string]>([
    ["Example", <ExampleDetailPage />, "/examples/:id", "/examples", "Go to examples"],
    ["Template", <TemplateDetailPage />, "/templates/:id", "/templates", "Go to templates"],
    ["Run", <RunDetailPage />, "/runs/:id", "/runs", "Go to optimization runs"],
  ])("%s: a heading, what was looked for, a link back to the list and the tab title", async (what, page, path, list, back) => {
    // Every request answers 404 (the mock's default): the record, and a deleted example's tombstone.
    mockFetch(noTemplates);
    renderPage(page, { route: path.replace(":id", ID), path });
    expect(await screen.findByRole("heading", { level: 1, name: `${what} not found` })).toBeInTheDocument();
    expect(screen.getByText(new RegExp(`There is no ${what.toLowerCase()} with the id “${ID}”`))).toBeInTheDocument();
    expect(screen.getByRole("link", { name: back })).toHaveAttribute("href", list);
    await waitFor(() => expect(document.title).toBe(`${what} not found · Exemplar`));
  });
});
