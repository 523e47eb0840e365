import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockFetch, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { ExportDspyPanel } from "./export-dspy-panel";
import { ImportDspyPanel, programPath } from "./import-dspy-panel";

const TPL = "11111111-1111-4111-8111-111111111111";
const NEW = "55555555-5555-4555-8555-555555555555";
const EX = "33333333-3333-4333-8333-333333333333";
const exportAnswer = (example_source: string, example_count: number) =>
  route("POST", `/templates/${TPL}/export-dspy`, () => [200, { content: "class X: pass", filename: "x.py", media_type: "text/x-python", findings: [], example_count, example_source }]);

describe("DSPy export result", () => {
  it.each([
    ["store", 8, "8 examples from the store"],
    ["version", 2, "2 demos of this version"],
    ["version", 1, "1 demo of this version"],
  ])("says where the examples came from as the server answered it (%s, %i)", async (source, count, text) => {
    mockFetch(exportAnswer(source, count));
    renderPage(<ExportDspyPanel templateId={TPL} />);
    await userEvent.click(screen.getByRole("button", { name: "Generate" }));
    expect(await screen.findByText(new RegExp(`^${text} ·`))).toBeInTheDocument();
  });
});

describe("DSPy export options", () => {
  const answer = (module: string) =>
    route("POST", `/templates/${TPL}/export-dspy`, () => [
      200,
      { content: `class P(dspy.Module):\n    def __init__(self):\n        self.predict = dspy.${module}(Sig)\n`, filename: "x.py", media_type: "text/x-python", findings: [], example_count: 0, example_source: "store" },
    ]);

  it("leaves the module and the number of examples to the server unless chosen, and says which module the export used", async () => {
    const { calls } = mockFetch(answer("Predict"));
    renderPage(<ExportDspyPanel templateId={TPL} />);
    expect(screen.getByLabelText("Module")).toHaveValue("");
    expect(screen.getByLabelText("Max examples")).toHaveValue(null);
    await userEvent.click(screen.getByRole("button", { name: "Generate" }));
    expect(await screen.findByText(/· module Predict ·/)).toBeInTheDocument();
    const sent = calls.find((c) => c.method === "POST")!.body as Record<string, unknown>;
    expect(sent).not.toHaveProperty("module");
    expect(sent).not.toHaveProperty("max_examples");
  });

  it("sends the module and the number of examples the user picked", async () => {
    const { calls } = mockFetch(answer("ChainOfThought"));
    renderPage(<ExportDspyPanel templateId={TPL} />);
    await userEvent.selectOptions(screen.getByLabelText("Module"), "ChainOfThought");
    await userEvent.type(screen.getByLabelText("Max examples"), "5");
    await userEvent.click(screen.getByRole("button", { name: "Generate" }));
    expect(await screen.findByText(/· module ChainOfThought ·/)).toBeInTheDocument();
    expect(calls.find((c) => c.method === "POST")!.body).toMatchObject({ module: "ChainOfThought", max_examples: 5 });
  });
});

const program = { predict: { signature: { instructions: "Answer.", fields: [] }, demos: [{ question: "q1", answer: "a1" }, { question: "q2", answer: "a2" }] } };

describe("DSPy import", () => {
  it("sends the chosen program file, with create_examples when asked, and shows the new version and how each demo was linked", async () => {
    const { calls } = mockFetch(
      route("POST", `/templates/${TPL}/import-dspy`, () => [
        201,
        {
          template: { id: NEW, name: "QA", version: "1.1.0", status: "draft" },
          module: "Predict",
          demos: [
            { index: 0, example_id: EX, match: "exact", augmented: false },
            { index: 1, example_id: null, match: "none", augmented: false },
          ],
          unmatched: [1],
          created_example_ids: [],
          findings: [{ severity: "warning", code: "instructions_changed", message: "The instructions differ from the parent's" }],
        },
      ]),
    );
    renderPage(<ImportDspyPanel templateId={TPL} />);
    await userEvent.upload(screen.getByLabelText("Program file (.json)"), new File([JSON.stringify(program)], "compiled.json", { type: "application/json" }));
    await waitFor(() => expect(screen.getByLabelText(/^Program JSON/)).toHaveValue(JSON.stringify(program)));
    await userEvent.click(screen.getByLabelText("Create examples for unmatched demos"));
    await userEvent.click(screen.getByRole("button", { name: "Import as a new version" }));

    const result = await screen.findByRole("status", { name: "Import result" });
    expect(within(result).getByRole("link", { name: /version 1\.1\.0 \(draft\)/ })).toHaveAttribute("href", `/templates/${NEW}`);
    expect(result).toHaveTextContent("1 matched");
    expect(result).toHaveTextContent("1 unmatched");
    const demos = within(result).getByRole("list", { name: "Imported demos" });
    expect(within(demos).getAllByRole("listitem")[1]).toHaveTextContent("Demo 2no stored example of this template has this input");
    expect(within(demos).getByRole("link", { name: /example 33333333/ })).toHaveAttribute("href", `/examples/${EX}`);
    expect(within(result).getByText("The instructions differ from the parent's")).toBeInTheDocument();
    const post = calls.find((c) => c.method === "POST")!;
    expect(post.query.get("create_examples")).toBe("true");
    expect(post.body).toEqual(program);
  });

  it("marks a demo linked to a deleted example, with the server's reason and the version it holds", async () => {
    const reason = `example ${EX} is deleted: linked all the same; restore it to search, retrieve and train on it again`;
    mockFetch(
      route("POST", `/templates/${TPL}/import-dspy`, () => [
        201,
        {
          template: { id: NEW, name: "QA", version: "1.2.0", status: "draft" },
          demos: [{ index: 0, example_id: EX, example_version: 1, match: "exact", augmented: false, deleted: true, reason }],
          unmatched: [],
          created_example_ids: [],
          findings: [],
        },
      ]),
    );
    renderPage(<ImportDspyPanel templateId={TPL} />);
    await userEvent.upload(screen.getByLabelText("Program file (.json)"), new File([JSON.stringify(program)], "compiled.json", { type: "application/json" }));
    await waitFor(() => expect(screen.getByLabelText(/^Program JSON/)).toHaveValue(JSON.stringify(program)));
    await userEvent.click(screen.getByRole("button", { name: "Import as a new version" }));
    const demos = within(await screen.findByRole("status", { name: "Import result" })).getByRole("list", { name: "Imported demos" });
    expect(within(demos).getByRole("link", { name: /example 33333333 v1/ })).toHaveAttribute("href", `/examples/${EX}`);
    expect(within(demos).getByText("deleted example")).toBeInTheDocument();
    expect(within(demos).getByText(reason)).toBeInTheDocument();
  });

  // As the server answers (service/templates/dspy_import.cc): an unmatched demo carries its reason;
  // one holding a purged example's content is `purged` and is never stored, create_examples or not.
  const purgedDemo = { index: 0, example_id: null, match: "none", augmented: false, purged: true, reason: "matches a purged example" };
  const missingReason = `example ${EX} does not exist, and no example of the template, its ancestors or sources has this input, now or in an earlier version; ?create_examples=true stores it`;
  const importing = async (demos: object[], { createExamples = false } = {}) => {
    mockFetch(
      route("POST", `/templates/${TPL}/import-dspy`, () => [
        201,
        {
          template: { id: NEW, name: "QA", version: "1.3.0", status: "draft" },
          demos,
          unmatched: demos.filter((d) => (d as { example_id: string | null }).example_id === null).map((d) => (d as { index: number }).index),
          created_example_ids: [],
          findings: [{ severity: "warning", code: "purged_demos", message: "1 demo(s) hold the content of purged examples" }],
        },
      ]),
    );
    renderPage(<ImportDspyPanel templateId={TPL} />);
    await userEvent.upload(screen.getByLabelText("Program file (.json)"), new File([JSON.stringify(program)], "compiled.json", { type: "application/json" }));
    await waitFor(() => expect(screen.getByLabelText(/^Program JSON/)).toHaveValue(JSON.stringify(program)));
    if (createExamples) await userEvent.click(screen.getByLabelText("Create examples for unmatched demos"));
    await userEvent.click(screen.getByRole("button", { name: "Import as a new version" }));
    return screen.findByRole("status", { name: "Import result" });
  };

  it("says why each unmatched demo is unmatched in the server's words, and how to store those that can be", async () => {
    const result = await importing([purgedDemo, { index: 1, example_id: null, match: "none", augmented: false, reason: missingReason }]);
    const [purged, missing] = within(within(result).getByRole("list", { name: "Imported demos" })).getAllByRole("listitem");
    expect(purged).toHaveTextContent("matches a purged example");
    expect(within(purged).getByText("purged example")).toBeInTheDocument();
    expect(missing).toHaveTextContent(missingReason);
    expect(result).not.toHaveTextContent("no stored example of this template has this input");
    // Importing again with the box ticked would store demo 2, not the purged content of demo 1.
    expect(within(result).getByText(/import again with “Create examples for unmatched demos” to store those not holding a purged example's content/)).toBeInTheDocument();
  });

  it("does not suggest creating examples when the import already asked for it", async () => {
    const created = { index: 1, example_id: EX, example_version: 1, match: "created", augmented: false };
    const result = await importing([purgedDemo, created], { createExamples: true });
    expect(result).toHaveTextContent("matches a purged example");
    expect(result).toHaveTextContent("1 unmatched");
    expect(result).not.toHaveTextContent(/import again/i);
  });

  it("does not suggest creating examples from a purged example's content", async () => {
    const result = await importing([purgedDemo]);
    expect(result).toHaveTextContent("matches a purged example");
    expect(result).not.toHaveTextContent(/import again/i);
  });

  it("refuses text that is not JSON before sending, and lists a 422's problems by their place in the file", async () => {
    const { calls } = mockFetch(
      route("POST", `/templates/${TPL}/import-dspy`, () => [
        422,
        { code: "validation_error", detail: [{ loc: ["body", "predict", "demos", 2, "bogus_key"], msg: "not a field of the template's signature", type: "value_error.field" }] },
      ]),
    );
    renderPage(<ImportDspyPanel templateId={TPL} />);
    const box = screen.getByLabelText(/^Program JSON/);
    await userEvent.type(box, "not json");
    await userEvent.click(screen.getByRole("button", { name: "Import as a new version" }));
    expect(await screen.findByText(/^Not valid JSON/)).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
    expect(calls.some((c) => c.query.has("create_examples"))).toBe(false);

    await userEvent.clear(box);
    await userEvent.type(box, '{{"predict": {{}}');
    await userEvent.click(screen.getByRole("button", { name: "Import as a new version" }));
    const problems = await screen.findByRole("list", { name: "Import problems" });
    expect(problems).toHaveTextContent("predict › demos › #3 › bogus_keynot a field of the template's signature");
    expect(calls.filter((c) => c.method === "POST")[0].query.has("create_examples")).toBe(false);
  });

  it("names a 422 location as a path in the program", () => {
    expect(programPath(["body"])).toBe("the file");
    expect(programPath(["body", "predict.predict", "signature", "fields"])).toBe("predict.predict › signature › fields");
  });
});
