import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockFetch, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { LaunchRunForm } from "./launch-run-form";

const TEMPLATE_ID = "11111111-1111-4111-8111-111111111111";
const templates = route("GET", "/templates", () => [200, { templates: [{ id: TEMPLATE_ID, name: "QA", version: "1.0.0", status: "published", input_schema: [], output_schema: [] }], total: 1, page: 1, page_size: 100 }]);

function renderForm() {
  return renderPage(<LaunchRunForm defaultTemplate={TEMPLATE_ID} onCancel={() => undefined} />, { route: "/runs", path: "/runs" });
}

const tpl = (id: string, version: string, status: string, updated_at: string) => ({ id, name: "QA", version, status, updated_at, input_schema: [], output_schema: [] });
const PUBLISHED_OLD = "00000000-0000-4000-8000-000000000001";
const PUBLISHED_NEW = "00000000-0000-4000-8000-000000000002";
const DRAFT = "00000000-0000-4000-8000-000000000003";
const ARCHIVED = "00000000-0000-4000-8000-000000000004";
// As the server lists them: most recently updated first, so a fresh empty draft leads.
const versions = [
  tpl(DRAFT, "1.3.0", "draft", "2026-12-06T10:00:00Z"),
  tpl(ARCHIVED, "1.2.0", "archived", "2026-12-05T10:00:00Z"),
  tpl(PUBLISHED_NEW, "1.1.0", "published", "2026-12-04T10:00:00Z"),
  tpl(PUBLISHED_OLD, "1.0.0", "published", "2026-12-01T10:00:00Z"),
];
const listOf = (list: unknown[]) => route("GET", "/templates", () => [200, { templates: list, total: list.length, page: 1, page_size: 100 }]);
const byId = route("GET", `/templates/${ARCHIVED}`, () => [200, versions[1]]);

describe("launch run form: template picker", () => {
  const picker = () => screen.getByLabelText("Template") as HTMLSelectElement;
  const options = () => [...picker().options].map((o) => o.textContent);

  it("leaves archived templates out and starts at the newest published version, not a newer draft", async () => {
    mockFetch(listOf(versions));
    renderPage(<LaunchRunForm onCancel={() => undefined} />, { route: "/runs", path: "/runs" });
    await waitFor(() => expect(picker()).toHaveValue(PUBLISHED_NEW));
    expect(options()).toEqual(["QA v1.1.0 · published", "QA v1.0.0 · published", "QA v1.3.0 · draft"]);
    // Repeated under the picker, where a phone's narrow select cuts the option's end.
    expect(picker()).toHaveAccessibleDescription(/^v1\.1\.0 · published · updated /);
  });

  it("counts the examples of the chosen version's line, and warns before Start when a run cannot have two", async () => {
    // Examples name the root (1.0.0); 1.1.0 and the 1.3.0 draft descend from it; "Other" stands alone.
    const OTHER = "00000000-0000-4000-8000-000000000005";
    const line = [
      { ...tpl(DRAFT, "1.3.0", "draft", "2026-12-06T10:00:00Z"), parent_template_id: PUBLISHED_NEW },
      { ...tpl(PUBLISHED_NEW, "1.1.0", "published", "2026-12-04T10:00:00Z"), parent_template_id: PUBLISHED_OLD },
      tpl(PUBLISHED_OLD, "1.0.0", "published", "2026-12-01T10:00:00Z"),
      { ...tpl(OTHER, "1.0.0", "draft", "2026-12-02T10:00:00Z"), name: "Other" },
    ];
    const examplesOf = route("GET", "/examples", (call) => [200, { examples: [], total: call.query.get("databit_id") === PUBLISHED_OLD ? 29 : 0, page: 1, page_size: 1 }]);
    mockFetch(listOf(line), examplesOf);
    renderPage(<LaunchRunForm onCancel={() => undefined} />, { route: "/runs", path: "/runs" });
    await waitFor(() => expect(picker()).toHaveAccessibleDescription(/^v1\.1\.0 · published · updated .* · 29 examples$/));
    await userEvent.selectOptions(picker(), DRAFT);
    await waitFor(() => expect(picker()).toHaveAccessibleDescription(/^v1\.3\.0 · draft · updated .* · 29 examples$/));
    await userEvent.selectOptions(picker(), OTHER);
    await waitFor(() => expect(picker()).toHaveAccessibleDescription(/No examples of this version or the versions it came from; a run needs at least 2/));
    expect(picker()).not.toHaveAccessibleDescription(/29 examples/);
  });

  it("starts at the template the form was opened from", async () => {
    mockFetch(listOf(versions));
    renderPage(<LaunchRunForm defaultTemplate={DRAFT} onCancel={() => undefined} />, { route: "/runs", path: "/runs" });
    await waitFor(() => expect(picker()).toHaveValue(DRAFT));
  });

  it("keeps an archived template when the form was opened from it", async () => {
    mockFetch(listOf(versions), byId);
    renderPage(<LaunchRunForm defaultTemplate={ARCHIVED} onCancel={() => undefined} />, { route: "/runs", path: "/runs" });
    await waitFor(() => expect(picker()).toHaveValue(ARCHIVED));
    expect(options()).toContain("QA v1.2.0 · archived");
  });

  it("starts at the newest draft only when nothing is published", async () => {
    mockFetch(listOf([tpl(DRAFT, "1.3.0", "draft", "2026-12-06T10:00:00Z"), tpl(PUBLISHED_OLD, "1.0.0", "draft", "2026-12-07T10:00:00Z"), versions[1]]));
    renderPage(<LaunchRunForm onCancel={() => undefined} />, { route: "/runs", path: "/runs" });
    await waitFor(() => expect(picker()).toHaveValue(PUBLISHED_OLD));
    expect(options()).toEqual(["QA v1.0.0 · draft", "QA v1.3.0 · draft"]);
  });

  it("sends the template shown, not one it was opened with that does not exist", async () => {
    const { calls } = mockFetch(listOf(versions), route("POST", "/dspy-runs", () => [422, { detail: "stop here", code: "validation_error" }]));
    renderPage(<LaunchRunForm defaultTemplate="no-such-template" onCancel={() => undefined} />, { route: "/runs", path: "/runs" });
    await waitFor(() => expect(picker()).toHaveValue(PUBLISHED_NEW));
    await userEvent.click(screen.getByRole("button", { name: "Start optimization" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    expect((calls.find((c) => c.method === "POST")!.body as { template_id: string }).template_id).toBe(PUBLISHED_NEW);
  });
});

describe("launch run form", () => {
  it("offers the server's LM providers and their models, and sends only a provider name and model", async () => {
    const providers = route("GET", "/lm-providers", () => [200, {
      providers: [
        { name: "offline", kind: "offline", models: ["offline"], default_model: "offline" },
        { name: "databricks", kind: "openai", models: ["llama-70b", "claude"], default_model: "llama-70b" },
      ],
      caller_endpoints_allowed: false,
    }]);
    const { calls } = mockFetch(templates, providers, route("POST", "/dspy-runs", () => [422, { detail: "stop here", code: "validation_error" }]));
    renderForm();
    const provider = screen.getByLabelText("Provider");
    await waitFor(() => expect(screen.getByRole("option", { name: "databricks" })).toBeInTheDocument());
    expect(screen.queryByLabelText("Base URL")).not.toBeInTheDocument();
    expect(screen.queryByLabelText(/API key/)).not.toBeInTheDocument();
    await userEvent.selectOptions(provider, "databricks");
    await userEvent.selectOptions(screen.getByLabelText("Model"), "claude");
    await userEvent.click(screen.getByRole("button", { name: "Start optimization" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    const body = calls.find((c) => c.method === "POST")!.body as { lm: Record<string, unknown> };
    expect(body.lm).toEqual({ provider: "databricks", model: "claude" });
  });

  it("refuses out-of-range numbers and a non-object parameter JSON at their fields, sending nothing", async () => {
    const { calls } = mockFetch(templates);
    renderForm();
    await userEvent.selectOptions(screen.getByLabelText("Optimizer"), "BootstrapFewShotWithRandomSearch");
    fireEvent.change(screen.getByLabelText("num_candidate_programs"), { target: { value: "0" } });
    fireEvent.change(screen.getByLabelText("Train split"), { target: { value: "1.5" } });
    fireEvent.change(screen.getByLabelText(/More parameters/), { target: { value: "[1, 2]" } });
    await userEvent.click(screen.getByRole("button", { name: "Start optimization" }));

    expect(await screen.findByText("Must be between 1 and 1000")).toBeInTheDocument();
    expect(screen.getByLabelText("num_candidate_programs")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByText("Must be between 0.05 and 0.95")).toBeInTheDocument();
    expect(screen.getByText(/Must be a JSON object/)).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
  });

  it("shows the server's 422 at the parameter it names", async () => {
    mockFetch(
      templates,
      route("POST", "/dspy-runs", () => [422, { detail: [{ loc: ["body", "optimizer_params", "max_bootstrapped_demos"], msg: "exceeds the trainset size", type: "value_error" }], code: "validation_error" }]),
    );
    renderForm();
    await userEvent.click(await screen.findByRole("button", { name: "Start optimization" }));
    expect(await screen.findByText("exceeds the trainset size")).toBeInTheDocument();
    expect(screen.getByLabelText("max_bootstrapped_demos")).toHaveAttribute("aria-invalid", "true");
  });

  it("places a 422 on a parameter without a field under More parameters, and says the rest in words", async () => {
    mockFetch(
      templates,
      route("POST", "/dspy-runs", () => [422, { detail: [
        { loc: ["body", "optimizer_params", "no_such_param"], msg: "unknown parameter for BootstrapFewShot", type: "value_error" },
        { loc: ["body", "data", "train_ids", 3], msg: "no such example", type: "value_error" },
      ], code: "validation_error" }]),
    );
    renderForm();
    await userEvent.click(await screen.findByRole("button", { name: "Start optimization" }));
    expect(await screen.findByText("no_such_param: unknown parameter for BootstrapFewShot")).toBeInTheDocument();
    expect(screen.getByLabelText("More parameters (JSON object)")).toHaveAttribute("aria-invalid", "true");
    const banner = screen.getAllByRole("alert").find((el) => el.textContent?.includes("did not start"))!;
    expect(banner).toHaveTextContent("The server did not start the runData · train ids · 3: no such example");
    expect(banner).not.toHaveTextContent("optimizer_params");
  });

  it("drops a server message once its field is edited, and keeps the others", async () => {
    mockFetch(
      templates,
      route("POST", "/dspy-runs", () => [422, { detail: [
        { loc: ["body", "optimizer_params", "max_bootstrapped_demos"], msg: "exceeds the trainset size", type: "value_error" },
        { loc: ["body", "data", "domain"], msg: "no examples in this domain", type: "value_error" },
      ], code: "validation_error" }]),
    );
    renderForm();
    await userEvent.click(await screen.findByRole("button", { name: "Start optimization" }));
    expect(await screen.findByText("exceeds the trainset size")).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText("max_bootstrapped_demos"), { target: { value: "2" } });
    expect(screen.queryByText("exceeds the trainset size")).not.toBeInTheDocument();
    expect(screen.getByLabelText("max_bootstrapped_demos")).not.toHaveAttribute("aria-invalid", "true");
    expect(screen.getByText("no examples in this domain")).toBeInTheDocument();
  });

  it("turns MIPROv2's auto off when trials are set by hand, and merges extra parameters", async () => {
    const { calls } = mockFetch(templates, route("POST", "/dspy-runs", () => [422, { detail: "stop here", code: "validation_error" }]));
    renderForm();
    await userEvent.selectOptions(screen.getByLabelText("Optimizer"), "MIPROv2");
    fireEvent.change(screen.getByLabelText("num_trials"), { target: { value: "20" } });
    fireEvent.change(screen.getByLabelText(/More parameters/), { target: { value: '{"minibatch": false}' } });
    await userEvent.click(screen.getByRole("button", { name: "Start optimization" }));
    await waitFor(() => expect(calls.some((c) => c.method === "POST")).toBe(true));
    const body = calls.find((c) => c.method === "POST")!.body as { optimizer_params: Record<string, unknown> };
    expect(body.optimizer_params).toMatchObject({ auto: null, num_trials: 20, num_candidates: 6, minibatch: false });
  });

  it("shows that the run is starting while the launch request is in flight", async () => {
    mockFetch(templates);
    // The launch never answers: the form must say it is working and refuse a second click.
    const pending = new Promise<Response>(() => undefined);
    const original = globalThis.fetch;
    let launches = 0;
    globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => (String(input).includes("/dspy-runs") && ++launches ? pending : original(input, init))) as typeof fetch;
    renderForm();
    await userEvent.click(await screen.findByRole("button", { name: "Start optimization" }));
    expect(await screen.findByRole("status")).toHaveTextContent(/Starting the optimization/);
    // Busy but still focusable (focus is not dropped to the page), and a second click sends nothing.
    const start = screen.getByRole("button", { name: "Start optimization" });
    expect(start).toHaveAttribute("aria-disabled", "true");
    expect(start).toHaveFocus();
    await userEvent.click(start);
    expect(launches).toBe(1);
  });
});
