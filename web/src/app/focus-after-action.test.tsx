// After an action whose control goes away with the page it leaves, focus lands on the new page's
// heading (FOCUS_HEADING), not on <body>.
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, noTemplates, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { ExampleDetailPage, NewExamplePage } from "@/features/examples/components/example-detail-page";
import TemplateDetailPage from "@/features/templates/components/template-detail-page";
import TemplatesPage from "@/features/templates/components/templates-page";

const ID = "3f1c2d4e-0000-4000-8000-0000000000aa";
const TPL = "11111111-1111-4111-8111-1111111111aa";
const template = (version: string, id = TPL) => ({ id, name: "Triage", version, status: "draft", input_schema: [{ name: "q", type: "string" }], output_schema: [{ name: "a", type: "string" }] });

describe("focus after an action that leaves the page", () => {
  it("Create example: the new example's heading", async () => {
    const created = makeExample({ example_id: ID, input: { question: "Where is the valve?" } });
    mockFetch(noTemplates, route("POST", "/examples", () => [201, created]), route("GET", `/examples/${ID}`, () => [200, created]));
    renderPage(<NewExamplePage />, { route: "/examples/new", path: "/examples/new", routes: [{ path: "/examples/:id", element: <ExampleDetailPage /> }] });
    fireEvent.change(screen.getByLabelText(/^Input \(JSON object\)/), { target: { value: '{"question": "Where is the valve?"}' } });
    fireEvent.change(screen.getByLabelText(/^Expected output/), { target: { value: '{"answer": "Left"}' } });
    await userEvent.click(screen.getByRole("button", { name: "Create example" }));
    const heading = await screen.findByRole("heading", { level: 1, name: "Where is the valve?" });
    await waitFor(() => expect(heading).toHaveFocus());
  });

  it("New template: the new template's heading", async () => {
    mockFetch(
      route("GET", "/templates", () => [200, { templates: [], total: 0, page: 1, page_size: 20 }]),
      route("POST", "/templates", () => [201, template("1.0.0")]),
      route("GET", `/templates/${TPL}`, () => [200, template("1.0.0")]),
    );
    renderPage(<TemplatesPage />, { route: "/templates", path: "/templates", routes: [{ path: "/templates/:id", element: <TemplateDetailPage /> }] });
    await userEvent.click(await screen.findByRole("button", { name: "New template" }));
    const dialog = await screen.findByRole("dialog", { name: "New template" });
    await userEvent.type(within(dialog).getByLabelText(/^Name/), "Triage");
    await userEvent.click(within(dialog).getByRole("button", { name: /^Create/ }));
    const heading = await screen.findByRole("heading", { level: 1, name: "Triage" });
    await waitFor(() => expect(heading).toHaveFocus());
  });
});
