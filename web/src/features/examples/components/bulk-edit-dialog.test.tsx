import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockFetch, noTemplates, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { BulkEditDialog, bulkSetFromForm } from "./bulk-edit-dialog";

const blank = { tagsAdd: "", tagsRemove: "", domain: "", difficulty: "__keep__", quality: "", template: "__keep__" };

describe("bulk edit", () => {
  it("sends only the fields that change", () => {
    expect(bulkSetFromForm({ ...blank, tagsAdd: "a, b", difficulty: "hard" })).toEqual({ tags_add: ["a", "b"], difficulty: "hard" });
    expect(bulkSetFromForm({ ...blank, template: "__clear__" })).toEqual({ databit_id: null });
    expect(bulkSetFromForm(blank)).toBe("Change at least one field");
    expect(bulkSetFromForm({ ...blank, quality: "3" })).toMatch(/between 0 and 1/);
  });

  it("applies one atomic request to the selected ids and shows a refusal in the dialog", async () => {
    let body: unknown = null;
    mockFetch(
      noTemplates,
      route("POST", "/examples/bulk-update", (c) => {
        body = c.body;
        return [422, { detail: [{ loc: ["body", "set", "databit_id"], msg: "example x: field required by the template's input schema", type: "value_error.missing" }], code: "validation_error", request_id: "req-bulk-1" }];
      }),
    );
    renderPage(<BulkEditDialog open ids={["id-1", "id-2"]} onClose={() => undefined} />, { route: "/examples", path: "/examples" });
    await userEvent.type(screen.getByLabelText("Add tags"), "reviewed");
    await userEvent.click(screen.getByRole("button", { name: "Apply to 2" }));
    await waitFor(() => expect(body).toEqual({ ids: ["id-1", "id-2"], set: { tags_add: ["reviewed"] }, dry_run: false }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("field required");
    // The id that finds the request's log lines, as on every error the server gives (review s23).
    expect(alert).toHaveTextContent("Request id: req-bulk-1");
  });

  it("is a form whose submit is Apply (so Enter submits), and takes an error away once a field is edited", async () => {
    const bodies: unknown[] = [];
    mockFetch(
      noTemplates,
      route("POST", "/examples/bulk-update", (c) => {
        bodies.push(c.body);
        return bodies.length === 1
          ? [422, { detail: [{ loc: ["body", "set", "domain"], msg: "domain is too long", type: "value_error" }], code: "validation_error" }]
          : [200, { updated: 1, ids: ["id-1"] }];
      }),
    );
    renderPage(<BulkEditDialog open ids={["id-1"]} onClose={() => undefined} />, { route: "/examples", path: "/examples" });
    // Enter in a field submits its form through the form's default button (jsdom's user-event only
    // looks for that button inside the form, so the submit is sent here as the browser would).
    const quality = screen.getByLabelText<HTMLInputElement>("Quality score");
    const form = quality.form!;
    expect(form).not.toBeNull();
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Apply to 1" }).form).toBe(form);
    await userEvent.type(quality, "3");
    fireEvent.submit(form);
    expect(await screen.findByRole("alert")).toHaveTextContent("Quality must be a number between 0 and 1");
    expect(bodies).toHaveLength(0);
    await userEvent.clear(quality);
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();

    await userEvent.type(screen.getByLabelText("Domain"), "billing");
    fireEvent.submit(form);
    await waitFor(() => expect(bodies).toEqual([{ ids: ["id-1"], set: { domain: "billing" }, dry_run: false }]));
    expect(await screen.findByRole("alert")).toHaveTextContent("domain is too long");
    await userEvent.type(screen.getByLabelText("Domain"), "{Backspace}");
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });
});
