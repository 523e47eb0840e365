import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Template } from "@/lib/api-types";
import { mockFetch, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import TemplateDetailPage from "./template-detail-page";

const ID = "11111111-1111-4111-8111-111111111111";

function serverTemplate() {
  let stored: Template = {
    id: ID,
    name: "QA",
    version: "1.0.0",
    status: "draft",
    prompt_template: "Answer briefly.",
    input_schema: [{ name: "question", type: "string" }],
    output_schema: [{ name: "answer", type: "string" }],
    updated_at: "2026-01-01T00:00:00Z",
  };
  let edits = 0;
  return {
    get: route("GET", `/templates/${ID}`, () => [200, stored]),
    put: route("PUT", `/templates/${ID}`, (c) => {
      stored = { ...stored, ...(c.body as Partial<Template>), updated_at: `2026-01-02T00:00:0${++edits}Z` };
      return [200, stored];
    }),
    publish: route("POST", `/templates/${ID}/publish`, () => {
      stored = { ...stored, status: "published" };
      return [200, stored];
    }),
    stored: () => stored,
  };
}

const open = () => renderPage(<TemplateDetailPage />, { route: `/templates/${ID}`, path: "/templates/:id" });
const instructions = () => screen.getByLabelText(/^Instructions/);

describe("template detail page", () => {
  it("keeps focus on Save changes after a save; removing or adding a schema field puts focus on the next control", async () => {
    const s = serverTemplate();
    mockFetch(s.get, s.put);
    open();
    fireEvent.change(await screen.findByLabelText(/^Instructions/), { target: { value: "Answer in one sentence." } });
    const save = screen.getByRole("button", { name: "Save changes" });
    await userEvent.click(save);
    expect(await screen.findByText("Template saved")).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText("Unsaved changes")).not.toBeInTheDocument());
    expect(save).toHaveFocus();

    const inputs = screen.getByRole("group", { name: "Input fields" });
    await userEvent.click(within(inputs).getByRole("button", { name: "Add field" }));
    expect(within(inputs).getByLabelText("Input fields field 2 name")).toHaveFocus();
    await userEvent.click(within(inputs).getByRole("button", { name: "Remove Input fields field 1" }));
    // The second field moved up: its remove button has the focus.
    expect(within(inputs).getByRole("button", { name: "Remove Input fields field 1" })).toHaveFocus();
    await userEvent.click(within(inputs).getByRole("button", { name: "Remove Input fields field 1" }));
    expect(within(inputs).getByRole("button", { name: "Add field" })).toHaveFocus();
  });

  it("keeps unsaved edits when switching tabs", async () => {
    const s = serverTemplate();
    mockFetch(s.get, s.put);
    open();
    fireEvent.change(await screen.findByLabelText(/^Instructions/), { target: { value: "Answer in one sentence." } });
    await userEvent.click(screen.getByRole("tab", { name: "Export to DSPy" }));
    await userEvent.click(screen.getByRole("tab", { name: "Overview" }));
    expect(instructions()).toHaveValue("Answer in one sentence.");
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();
  });

  it("saves unsaved edits before publishing, and says so", async () => {
    const s = serverTemplate();
    const { calls } = mockFetch(s.get, s.put, s.publish);
    open();
    fireEvent.change(await screen.findByLabelText(/^Instructions/), { target: { value: "Answer in one sentence." } });
    await userEvent.click(screen.getByRole("button", { name: "Publish" }));
    const dialog = screen.getByRole("dialog", { name: "Publish this version?" });
    expect(within(dialog).getByText(/unsaved changes to the definition are saved first/)).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole("button", { name: "Publish" }));

    expect(await screen.findByText("Saved and published")).toBeInTheDocument();
    const writes = calls.filter((c) => c.method !== "GET").map((c) => `${c.method} ${c.path}`);
    expect(writes).toEqual([`PUT /api/v1/templates/${ID}`, `POST /api/v1/templates/${ID}/publish`]);
    expect(s.stored()).toMatchObject({ status: "published", prompt_template: "Answer in one sentence." });
    await waitFor(() => expect(instructions()).toBeDisabled());
    expect(instructions()).toHaveValue("Answer in one sentence.");
  });

  it("does not publish when the edits cannot be saved", async () => {
    const s = serverTemplate();
    const { calls } = mockFetch(
      s.get,
      route("PUT", `/templates/${ID}`, () => [422, { detail: [{ loc: ["body", "name"], msg: "must not be empty" }], code: "validation_error", request_id: "req-tpl-3" }]),
      s.publish,
    );
    open();
    fireEvent.change(await screen.findByLabelText("Name"), { target: { value: " " } });
    await userEvent.click(screen.getByRole("button", { name: "Publish" }));
    const dialog = screen.getByRole("dialog", { name: "Publish this version?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Publish" }));

    expect(await within(dialog).findByText(/could not be saved, so nothing was done: name: must not be empty/)).toBeInTheDocument();
    // The failed save's request id, as every error shows it (review s23).
    expect(within(dialog).getByRole("alert")).toHaveTextContent("Request id: req-tpl-3");
    expect(calls.some((c) => c.path.endsWith("/publish"))).toBe(false);
    expect(s.stored().status).toBe("draft");
  });
});

describe("two editors of one draft", () => {
  // The server's check: If-Match must name the stored save (updated_at in Unix milliseconds, quoted).
  function guardedTemplate() {
    const s = serverTemplate();
    let stored: Template = { ...s.stored(), updated_at: "2026-01-01T00:00:00.000Z" };
    const seen: (string | undefined)[] = [];
    const etag = () => `"${Date.parse(stored.updated_at ?? "")}"`;
    const later = () => new Date(Date.parse(stored.updated_at ?? "") + 1500).toISOString();
    return {
      get: route("GET", `/templates/${ID}`, () => [200, stored]),
      put: route("PUT", `/templates/${ID}`, (c) => {
        seen.push(c.headers["If-Match"]);
        if (c.headers["If-Match"] !== etag()) return [412, { detail: "If-Match names an earlier save", code: "precondition_failed" }];
        stored = { ...stored, ...(c.body as Partial<Template>), updated_at: later() };
        return [200, stored];
      }),
      publish: route("POST", `/templates/${ID}/publish`, () => [200, (stored = { ...stored, status: "published" })]),
      /** Another tab's save. */
      saveElsewhere: (change: Partial<Template>) => (stored = { ...stored, ...change, updated_at: later() }),
      stored: () => stored,
      seen,
    };
  }

  it("sends the save it edits as If-Match, and offers the latest version when someone saved meanwhile", async () => {
    const s = guardedTemplate();
    mockFetch(s.get, s.put);
    open();
    fireEvent.change(await screen.findByLabelText(/^Instructions/), { target: { value: "mine" } });
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect(await screen.findByText("Template saved")).toBeInTheDocument();
    expect(s.seen).toEqual(['"1767225600000"']);

    s.saveElsewhere({ description: "theirs" });
    fireEvent.change(instructions(), { target: { value: "mine again" } });
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    const notice = await screen.findByText(/Someone saved a newer version of this template/);
    expect(s.seen).toEqual(['"1767225600000"', '"1767225601500"']);
    expect(s.stored()).toMatchObject({ description: "theirs", prompt_template: "mine" });
    expect(instructions()).toHaveValue("mine again");
    expect(screen.getByText("Unsaved changes")).toBeInTheDocument();

    await userEvent.click(within(notice.closest("[role=alert]") as HTMLElement).getByRole("button", { name: "Load the latest version" }));
    await waitFor(() => expect(instructions()).toHaveValue("mine"));
    expect(screen.getByLabelText("Description")).toHaveValue("theirs");
    expect(screen.queryByText(/Someone saved a newer version/)).not.toBeInTheDocument();
  });

  it("publishes nothing when the edits it saves first are based on an earlier save", async () => {
    const s = guardedTemplate();
    const { calls } = mockFetch(s.get, s.put, s.publish);
    open();
    fireEvent.change(await screen.findByLabelText(/^Instructions/), { target: { value: "mine" } });
    s.saveElsewhere({ prompt_template: "theirs" });
    await userEvent.click(screen.getByRole("button", { name: "Publish" }));
    const dialog = screen.getByRole("dialog", { name: "Publish this version?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Publish" }));

    expect(await within(dialog).findByText(/Someone saved a newer version of this template while you were editing, so nothing was done/)).toBeInTheDocument();
    expect(calls.some((c) => c.path.endsWith("/publish"))).toBe(false);
    expect(s.stored()).toMatchObject({ status: "draft", prompt_template: "theirs" });
  });
});

describe("a refused template save", () => {
  const refusing = (detail: unknown) => route("PUT", `/templates/${ID}`, () => [422, { detail, code: "validation_error" }]);

  it("takes focus to the field the server names, whose message describes it", async () => {
    const s = serverTemplate();
    mockFetch(s.get, refusing([{ loc: ["body", "input_schema", 0, "name"], msg: "'self' is reserved by DSPy", type: "value_error" }]));
    open();
    fireEvent.change(await screen.findByLabelText("Input fields field 1 name"), { target: { value: "self" } });
    const save = screen.getByRole("button", { name: "Save changes" });
    save.focus();
    await userEvent.keyboard("{Enter}");
    const name = screen.getByLabelText("Input fields field 1 name");
    await waitFor(() => expect(name).toHaveFocus());
    expect(name).toHaveAttribute("aria-invalid", "true");
    expect(name).toHaveAccessibleDescription("'self' is reserved by DSPy");
  });

  it("takes focus to the list's message when the error names the list, not a field (duplicate names)", async () => {
    const s = serverTemplate();
    mockFetch(s.get, refusing([{ loc: ["body", "input_schema"], msg: "duplicate field name 'question'", type: "value_error" }]));
    open();
    await screen.findByLabelText("Input fields field 1 name");
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(document.activeElement).toHaveTextContent("duplicate field name 'question'"));
    expect(screen.getByRole("group", { name: "Input fields" })).toContainElement(document.activeElement as HTMLElement);
  });

  it("takes a field's message away once that field is edited, and keeps the others'", async () => {
    const s = serverTemplate();
    mockFetch(
      s.get,
      refusing([
        { loc: ["body", "name"], msg: "name is too long", type: "value_error" },
        { loc: ["body", "input_schema", 0, "name"], msg: "'self' is reserved by DSPy", type: "value_error" },
        { loc: ["body", "output_schema", 0, "name"], msg: "'from' is reserved", type: "value_error" },
      ]),
    );
    open();
    fireEvent.change(await screen.findByLabelText("Input fields field 1 name"), { target: { value: "self" } });
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    const name = screen.getByLabelText("Name");
    await waitFor(() => expect(name).toHaveAccessibleDescription("name is too long"));

    fireEvent.change(name, { target: { value: "QA short" } });
    expect(name).not.toHaveAttribute("aria-invalid");
    expect(name).not.toHaveAccessibleDescription("name is too long");
    const inputName = screen.getByLabelText("Input fields field 1 name");
    expect(inputName).toHaveAccessibleDescription("'self' is reserved by DSPy");

    fireEvent.change(inputName, { target: { value: "question" } });
    expect(inputName).not.toHaveAttribute("aria-invalid");
    expect(screen.queryByText("'self' is reserved by DSPy")).not.toBeInTheDocument();
    // The output field was not touched: its message stays, and no summary of all of them appears.
    expect(screen.getByLabelText("Output fields field 1 name")).toHaveAccessibleDescription("'from' is reserved");
    expect(screen.queryByText(/input_schema\.0\.name:/)).not.toBeInTheDocument();
  });

  // A schema edit that stored examples would not fit is a 409 whose message says what to do.
  it("shows the server's reason when stored examples would not fit the new schema", async () => {
    const s = serverTemplate();
    const why =
      "3 stored example(s) of this template would not fit the new schema (a, b, c; e.g. a: expected_output.severity field required by the template's output schema), so they could not be saved or imported again. To add a required field: add it as optional (required: false), fill it in those examples, then make it required";
    mockFetch(s.get, route("PUT", `/templates/${ID}`, () => [409, { detail: why, code: "conflict" }]));
    open();
    const outputs = within(await screen.findByRole("group", { name: "Output fields" }));
    await userEvent.click(outputs.getByRole("button", { name: "Add field" }));
    await userEvent.type(outputs.getByLabelText("Output fields field 2 name"), "severity");
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(why);
    await waitFor(() => expect(alert).toHaveFocus());
  });
});

describe("template field editor", () => {
  it("names each required checkbox after its field", async () => {
    const s = serverTemplate();
    mockFetch(s.get);
    open();
    const question = await screen.findByRole("checkbox", { name: "Input fields: question required" });
    expect(question).toBeChecked();
    expect(screen.getByRole("checkbox", { name: "Output fields: answer required" })).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText("Input fields field 1 name"), { target: { value: "query" } });
    expect(screen.getByRole("checkbox", { name: "Input fields: query required" })).toBe(question);
  });
});

describe("a version made by Accept or New version", () => {
  it("links Examples to its line's examples (the parent's), not to an empty list of its own", async () => {
    const PARENT = "55555555-5555-4555-8555-555555555555";
    const base = { name: "QA", status: "published", input_schema: [], output_schema: [], updated_at: "2026-01-01T00:00:00Z" };
    mockFetch(
      route("GET", `/templates/${ID}`, () => [200, { ...base, id: ID, version: "1.1.0", status: "draft", parent_template_id: PARENT }]),
      route("GET", `/templates/${PARENT}`, () => [200, { ...base, id: PARENT, version: "1.0.0", parent_template_id: null }]),
      route("GET", "/examples", (c) => [200, { examples: [], total: c.query.get("databit_id") === PARENT ? 12 : 0, page: 1, page_size: 1 }]),
    );
    open();
    const button = await screen.findByRole("link", { name: "Examples (v1.0.0)" });
    expect(button).toHaveAttribute("href", `/examples?template=${PARENT}`);
    expect(within(screen.getByRole("banner")).getByRole("link", { name: "examples belong to v1.0.0 →" })).toHaveAttribute("href", `/examples?template=${PARENT}`);
  });

  it("keeps its own Examples link when it has examples", async () => {
    const s = serverTemplate();
    mockFetch(s.get, route("GET", "/examples", () => [200, { examples: [], total: 3, page: 1, page_size: 1 }]));
    open();
    await screen.findByRole("heading", { name: "QA" });
    expect(screen.getByRole("link", { name: "Examples" })).toHaveAttribute("href", `/examples?template=${ID}`);
  });
});
