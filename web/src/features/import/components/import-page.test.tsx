import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockFetch, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import ImportPage from "./import-page";
import { parseCsv, parseImport } from "./parse-import";
import { itemErrorText } from "../api/batch-create";

const TPL = "11111111-1111-4111-8111-111111111111";
const templates = route("GET", "/templates", () => [200, { templates: [{ id: TPL, name: "QA", version: "1.0.0", status: "published", input_schema: [], output_schema: [] }], total: 1, page: 1, page_size: 100 }]);

const jsonl = [
  JSON.stringify({ input: { question: "a" }, expected_output: { answer: "A" } }),
  "{not json",
  JSON.stringify({ input: {}, expected_output: { answer: "B" } }),
  "",
  JSON.stringify({ input: { question: "c" }, expected_output: { answer: "C" }, difficulty: "extreme" }),
  JSON.stringify({ input: { question: "d" }, expected_output: { answer: "D" } }),
].join("\n");

describe("import parsing", () => {
  it("names each JSONL record by its line and reports what is wrong with it", () => {
    const rows = parseImport(jsonl, "jsonl");
    expect(rows.map((r) => [r.where, r.error === null])).toEqual([
      ["line 1", true],
      ["line 2", false],
      ["line 3", false],
      ["line 5", false],
      ["line 6", true],
    ]);
    expect(rows[1].error).toMatch(/invalid JSON/);
    expect(rows[2].error).toBe("input: must have at least one field");
    expect(rows[3].error).toMatch(/difficulty/);
  });

  it("reads CSV with quoted commas, quotes and newlines, and JSON columns", () => {
    expect(parseCsv('a,b\n"x, ""y""","line1\nline2"\n')).toEqual([["a", "b"], ['x, "y"', "line1\nline2"]]);
    const rows = parseImport('input,expected_output,capability_tags\n"{""q"": ""hi""}","{""a"": ""yo""}",greet;small\n"{bad",{},x\n', "csv");
    expect(rows[0]).toMatchObject({ where: "row 2", error: null, record: { input: { q: "hi" }, expected_output: { a: "yo" }, capability_tags: ["greet", "small"] } });
    expect(rows[1]).toMatchObject({ where: "row 3", error: "column input is not valid JSON" });
  });

  it("takes the apostrophe the CSV export puts before formula-like text off again, exactly one", () => {
    const rows = parseImport(`input,expected_output,explanation,domain,function_name\n{},{},'=HYPERLINK(1),''quoted,'-5\n`, "csv");
    expect(rows[0].record).toMatchObject({ explanation: "=HYPERLINK(1)", domain: "'quoted", function_name: "-5" });
  });

  it("says a file that is neither JSON nor CSV with an input column is neither, instead of failing its rows", () => {
    expect(() => parseImport("just some notes\nabout calibration\n", "csv")).toThrow(/neither JSON Lines, a JSON array nor CSV with an "input" column.*just some notes/);
    expect(() => parseImport("question,answer\nhi,yo\n", "csv")).toThrow(/"input" column/);
  });

  it("refuses a JSON file that is not a list", () => {
    expect(() => parseImport('{"input": {}}', "json")).toThrow(/JSON array/);
  });
});

describe("import page", () => {
  it("previews per-line errors, imports only the valid records into the chosen template, and sums up", async () => {
    const { calls } = mockFetch(
      templates,
      route("POST", "/examples/batch", (c) => {
        const n = (c.body as { examples: unknown[] }).examples.length;
        return [201, { created_count: n - 1, existing_count: 1, failed_count: 0, created_ids: [], existing_ids: ["x"], errors: [] }];
      }),
    );
    renderPage(<ImportPage />, { route: "/examples/import", path: "/examples/import" });
    await userEvent.upload(screen.getByLabelText("Import file"), new File([jsonl], "data.jsonl", { type: "application/x-ndjson" }));

    const errors = await screen.findByRole("list", { name: "Validation errors" });
    expect(within(errors).getByText("line 2")).toBeInTheDocument();
    expect(within(errors).getByText("line 3").parentElement).toHaveTextContent("line 3: input: must have at least one field");
    expect(within(screen.getByRole("table", { name: "Preview" })).getAllByRole("row")).toHaveLength(6);

    await userEvent.selectOptions(screen.getByLabelText("Template"), TPL);
    await userEvent.click(screen.getByRole("button", { name: "Import 2 valid records" }));

    const summary = await screen.findByRole("status", { name: "Import summary" });
    expect(summary).toHaveTextContent("1 created");
    expect(summary).toHaveTextContent("1 already existed");
    expect(summary).toHaveTextContent("3 skipped as invalid");
    expect(screen.getByRole("progressbar", { name: "Import progress" })).toHaveAttribute("aria-valuenow", "100");
    const sent = calls.find((c) => c.path === "/api/v1/examples/batch")!.body as { examples: { databit_id: string }[]; atomic: boolean };
    expect(sent.atomic).toBe(false);
    expect(sent.examples).toHaveLength(2);
    expect(sent.examples.every((e) => e.databit_id === TPL)).toBe(true);
  });

  it("reports each record of a chunk the server refused item by item (422 with its report), and goes on", async () => {
    const records = Array.from({ length: 150 }, (_, i) => JSON.stringify({ input: { question: `q${i}` }, expected_output: { answer: "A" } })).join("\n");
    let chunk = 0;
    mockFetch(
      templates,
      route("POST", "/examples/batch", (c) => {
        const n = (c.body as { examples: unknown[] }).examples.length;
        if (chunk++ === 0) {
          const errors = Array.from({ length: n }, (_, index) => ({ index, error: "duplicate of an existing example" }));
          return [422, { code: "validation_error", detail: [{ loc: ["body", "examples", 0], msg: "duplicate", type: "value_error" }], created_count: 0, existing_count: 0, failed_count: n, created_ids: [], existing_ids: [], errors }];
        }
        return [201, { created_count: n, existing_count: 0, failed_count: 0, created_ids: [], existing_ids: [], errors: [] }];
      }),
    );
    renderPage(<ImportPage />, { route: "/examples/import", path: "/examples/import" });
    await userEvent.upload(screen.getByLabelText("Import file"), new File([records], "data.jsonl"));
    await userEvent.click(await screen.findByRole("button", { name: "Import 150 valid records" }));
    const summary = await screen.findByRole("status", { name: "Import summary" });
    expect(summary).toHaveTextContent("50 created");
    expect(summary).toHaveTextContent("duplicate of an existing example");
    expect(summary).not.toHaveTextContent("Stopped");
  });

  it("places a record's server error in the record (input.colour), not at its position in the batch", async () => {
    const records = [
      JSON.stringify({ input: { question: "a" }, expected_output: { answer: "A" } }),
      JSON.stringify({ input: { question: "b" }, expected_output: { answer: "B" } }),
      JSON.stringify({ input: { question: "c", colour: "red" }, expected_output: { answer: "C" } }),
    ].join("\n");
    mockFetch(
      templates,
      route("POST", "/examples/batch", () => [
        201,
        {
          created_count: 2,
          existing_count: 0,
          failed_count: 1,
          created_ids: [],
          existing_ids: [],
          errors: [{ index: 2, error: "field not in the template's input schema at body.examples.2.input.colour", loc: ["body", "examples", 2, "input", "colour"], type: "value_error" }],
        },
      ]),
    );
    renderPage(<ImportPage />, { route: "/examples/import", path: "/examples/import" });
    await userEvent.upload(screen.getByLabelText("Import file"), new File([records], "data.jsonl"));
    await userEvent.click(await screen.findByRole("button", { name: "Import 3 valid records" }));
    const summary = await screen.findByRole("status", { name: "Import summary" });
    expect(summary).toHaveTextContent("line 3: field not in the template's input schema at input.colour");
    expect(summary).not.toHaveTextContent("body.examples");
  });

  it("shows the warnings the server stored records with, by record (personal data, conflicts)", async () => {
    const other = "44444444-4444-4444-8444-444444444444";
    mockFetch(
      templates,
      route("POST", "/examples/batch", () => [
        201,
        {
          created_count: 2,
          existing_count: 0,
          failed_count: 0,
          created_ids: ["a", "b"],
          existing_ids: [],
          errors: [],
          warnings: [
            { index: 0, type: "pii", message: "input contains an email address", kinds: ["email"], item_id: "a" },
            { index: 1, type: "conflict", message: "a stored example has the same input and another output", example_id: other, similarity: 1 },
          ],
        },
      ]),
    );
    renderPage(<ImportPage />, { route: "/examples/import", path: "/examples/import" });
    await userEvent.upload(screen.getByLabelText("Import file"), new File([jsonl], "data.jsonl"));
    await userEvent.click(await screen.findByRole("button", { name: "Import 2 valid records" }));
    const summary = await screen.findByRole("status", { name: "Import summary" });
    expect(summary).toHaveTextContent("2 warnings");
    const warnings = within(summary).getAllByRole("listitem").filter((li) => li.closest("ul")?.getAttribute("aria-label") === "Import warnings");
    expect(warnings.map((li) => li.textContent)).toEqual([
      "line 1 · Personal data: input contains an email address",
      "line 6 · Conflict: a stored example has the same input and another output (similarity 1.000) open",
    ]);
    expect(within(warnings[1]).getByRole("link", { name: "open" })).toHaveAttribute("href", `/examples/${other}`);
    // The record the server stored links to its example; one without an id (an older server) is text.
    expect(within(warnings[0]).getByRole("link", { name: "line 1" })).toHaveAttribute("href", "/examples/a");
    expect(within(warnings[1]).queryByRole("link", { name: "line 6" })).toBeNull();
  });

  it("keeps the file and says why when the server refuses a chunk; a retry sends only what was not stored", async () => {
    const records = Array.from({ length: 150 }, (_, i) => JSON.stringify({ input: { question: `q${i}` }, expected_output: { answer: "A" } })).join("\n");
    let busy = true;
    const { calls } = mockFetch(
      templates,
      route("POST", "/examples/batch", (c) => {
        const n = (c.body as { examples: unknown[] }).examples.length;
        // The first chunk (100) is stored, the second refused while the server is busy.
        if (n < 100 && busy) return [503, { detail: "server busy", code: "unavailable", request_id: "req-import-2" }];
        return [201, { created_count: n, existing_count: 0, failed_count: 0, created_ids: [], existing_ids: [], errors: [] }];
      }),
    );
    renderPage(<ImportPage />, { route: "/examples/import", path: "/examples/import" });
    await userEvent.upload(screen.getByLabelText("Import file"), new File([records], "data.jsonl"));
    await userEvent.click(await screen.findByRole("button", { name: "Import 150 valid records" }));
    const summary = await screen.findByRole("status", { name: "Import summary" });
    expect(summary).toHaveTextContent("Stopped after an error: server busy");
    expect(summary).toHaveTextContent("Request id: req-import-2"); // review s23: every error shows its id
    expect(summary).toHaveTextContent("100 created");
    expect(screen.queryByRole("button", { name: "Import 150 valid records" })).not.toBeInTheDocument();
    busy = false;
    await userEvent.click(screen.getByRole("button", { name: "Import the remaining 50 records" }));
    await waitFor(() => expect(screen.getByRole("status", { name: "Import summary" })).toHaveTextContent("150 created"));
    expect(screen.getByRole("status", { name: "Import summary" })).toHaveTextContent("0 failed");
    const sent = calls.filter((c) => c.path === "/api/v1/examples/batch").map((c) => (c.body as { examples: { input: { question: string } }[] }).examples);
    expect(sent.map((e) => e.length)).toEqual([100, 50, 50]);
    expect(sent[2][0].input.question).toBe("q100");
    expect(screen.queryByRole("button", { name: /remaining/ })).not.toBeInTheDocument();
  });

  it("once finished, cannot send the file again: Import another file starts over", async () => {
    const { calls } = mockFetch(
      templates,
      route("POST", "/examples/batch", (c) => {
        const n = (c.body as { examples: unknown[] }).examples.length;
        return [201, { created_count: n, existing_count: 0, failed_count: 0, created_ids: [], existing_ids: [], errors: [] }];
      }),
    );
    renderPage(<ImportPage />, { route: "/examples/import", path: "/examples/import" });
    await userEvent.upload(screen.getByLabelText("Import file"), new File([jsonl], "data.jsonl"));
    await userEvent.click(await screen.findByRole("button", { name: "Import 2 valid records" }));
    await screen.findByRole("status", { name: "Import summary" });
    expect(screen.queryByRole("button", { name: /^Import \d+ valid/ })).not.toBeInTheDocument();
    const again = screen.getByRole("button", { name: "Import another file" });
    // Focus is not dropped to the page when the pressed button goes away.
    expect(again).toHaveFocus();
    await userEvent.click(again);
    expect(screen.queryByRole("status", { name: "Import summary" })).not.toBeInTheDocument();
    expect(screen.queryByRole("table", { name: "Preview" })).not.toBeInTheDocument();
    expect(screen.getByLabelText("Import file")).toHaveFocus();
    expect(calls.filter((c) => c.path === "/api/v1/examples/batch")).toHaveLength(1);
  });
});

describe("a batch item's error", () => {
  it("is placed in the record, with or without the server's loc", () => {
    expect(itemErrorText({ index: 0, error: "must be a number at body.examples.0.expected_output.score", loc: ["body", "examples", 0, "expected_output", "score"] })).toBe("must be a number at expected_output.score");
    expect(itemErrorText({ index: 7, error: "unknown key at body.examples.7.input.colour" })).toBe("unknown key at input.colour");
    expect(itemErrorText({ index: 7, error: "duplicate of an existing example at body.examples.7", loc: ["body", "examples", 7] })).toBe("duplicate of an existing example");
    expect(itemErrorText({ index: 1, error: "duplicate of an existing example" })).toBe("duplicate of an existing example");
  });
});
