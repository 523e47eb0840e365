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
