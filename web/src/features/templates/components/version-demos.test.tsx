import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import type { Template } from "@/lib/api-types";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, route } from "@/testing/mock-fetch";
import { VersionDemos } from "./version-demos";

const EX = "33333333-3333-4333-8333-333333333333";
const HAND = "44444444-4444-4444-8444-444444444444";

function template(examples: Template["examples"]): Template {
  return {
    id: "11111111-1111-4111-8111-111111111111",
    name: "QA",
    version: "1.1.0",
    status: "draft",
    input_schema: [{ name: "question", type: "string" }],
    output_schema: [{ name: "answer", type: "string" }],
    examples,
  };
}

function show(t: Template) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <VersionDemos template={t} />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

describe("a template version's demos", () => {
  it("show the stored label beside a bootstrapped demo's differing output", async () => {
    mockFetch(
      route("GET", `/examples/${EX}`, () => [200, makeExample({ example_id: EX, input: { question: "How to reset?" }, expected_output: { answer: "Use the link." } })]),
      route("GET", `/examples/${HAND}`, () => [200, makeExample({ example_id: HAND, input: { question: "Hours?" }, expected_output: { answer: "Nine to five." } })]),
    );
    show(
      template([
        { input: { question: "How to reset?" }, output: { answer: "Call support." }, example_id: EX, augmented: true },
        { input: { question: "Hours?" }, output: { answer: "9-5" }, example_id: HAND, augmented: false },
      ]),
    );
    expect(screen.getByText(/2 demos in this version, 1 bootstrapped/)).toBeInTheDocument();
    const note = await screen.findByRole("note", { name: "Stored label of demo 1" });
    expect(within(note).getByText(/Call support\./)).toBeInTheDocument();
    expect(within(note).getByText(/Use the link\./)).toBeInTheDocument();
    // A labelled (not bootstrapped) demo is the stored label itself: no comparison is drawn.
    expect(screen.queryByRole("note", { name: "Stored label of demo 2" })).not.toBeInTheDocument();
    const demo1 = screen.getByRole("group", { name: "Demonstration 1" });
    expect(within(demo1).getByText("question")).toBeInTheDocument();
    expect(screen.getAllByRole("link", { name: /example/ })[0]).toHaveAttribute("href", `/examples/${EX}`);
  });

  it("folds a long list after the first three", async () => {
    mockFetch();
    show(template(Array.from({ length: 5 }, (_, i) => ({ input: { question: `q${i}` }, output: { answer: `a${i}` } }))));
    expect(screen.getAllByRole("group", { name: /^Demonstration \d+$/ })).toHaveLength(3);
    await userEvent.click(screen.getByRole("button", { name: "Show all 5 demos" }));
    expect(screen.getAllByRole("group", { name: /^Demonstration \d+$/ })).toHaveLength(5);
  });

  it("shows a purged example's demo as erased, with no content table", () => {
    mockFetch();
    show(template([{ input: { question: "q" }, output: { answer: "a" } }, { example_id: EX, purged: true, augmented: true }]));
    expect(screen.getAllByRole("group", { name: /^Demonstration \d+$/ })).toHaveLength(1);
    expect(screen.getByText("purged")).toBeInTheDocument();
    expect(screen.getByText(/Content erased: the example was purged/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: /example/ })).toHaveAttribute("href", `/examples/${EX}`);
  });

  it("renders nothing for a version without demos", () => {
    mockFetch();
    show(template([]));
    expect(screen.queryByText("Demonstrations")).not.toBeInTheDocument();
  });
});
