import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, noTemplates, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { NewExamplePage } from "./example-detail-page";

const setJson = (label: RegExp, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

describe("example editor", () => {
  it("rejects invalid JSON before anything is sent", async () => {
    const { calls } = mockFetch(noTemplates);
    renderPage(<NewExamplePage />, { route: "/examples/new", path: "/examples/new" });
    setJson(/^Input \(JSON object\)/, '{"question": "unterminated');
    setJson(/^Expected output/, '["an", "array"]');
    await userEvent.click(screen.getByRole("button", { name: "Create example" }));

    expect(await screen.findByText(/Invalid JSON/)).toBeInTheDocument();
    expect(screen.getByText(/Must be a JSON object/)).toBeInTheDocument();
    expect(screen.getByLabelText(/^Input \(JSON object\)/)).toHaveAttribute("aria-invalid", "true");
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
  });

  it("shows the server's 422 field errors next to the fields", async () => {
    mockFetch(
      noTemplates,
      route("POST", "/examples", () => [422, { detail: [{ loc: ["body", "difficulty"], msg: "must be easy, medium or hard", type: "enum" }, { loc: ["body", "input", "question"], msg: "string too long", type: "value_error" }], code: "validation_error" }]),
    );
    renderPage(<NewExamplePage />, { route: "/examples/new", path: "/examples/new" });
    setJson(/^Input \(JSON object\)/, '{"question": "hi"}');
    setJson(/^Expected output/, '{"answer": "hello"}');
    await userEvent.click(screen.getByRole("button", { name: "Create example" }));

    const difficulty = screen.getByLabelText("Difficulty");
    expect(await screen.findByText("must be easy, medium or hard")).toBeInTheDocument();
    expect(difficulty).toHaveAttribute("aria-invalid", "true");
    expect(difficulty.getAttribute("aria-describedby")).toContain(screen.getByText("must be easy, medium or hard").id);
    expect(screen.getByText("string too long")).toBeInTheDocument();
  });

  it("sends a valid example and opens it", async () => {
    const { calls } = mockFetch(noTemplates, route("POST", "/examples", (c) => [201, makeExample({ ...(c.body as object), example_id: "new-id" })]));
    renderPage(<NewExamplePage />, { route: "/examples/new", path: "/examples/new" });
    setJson(/^Input \(JSON object\)/, '{"question": "hi"}');
    setJson(/^Expected output/, '{"answer": "hello"}');
    await userEvent.type(screen.getByLabelText("Capability tags"), "greeting, smalltalk");
    await userEvent.click(screen.getByRole("button", { name: "Create example" }));

    await waitFor(() => expect(screen.getByText("navigated to detail")).toBeInTheDocument());
    const post = calls.find((c) => c.method === "POST")!;
    expect(post.body).toMatchObject({ input: { question: "hi" }, expected_output: { answer: "hello" }, capability_tags: ["greeting", "smalltalk"], domain: "general" });
    expect(post.body).not.toHaveProperty("explanation");
  });
});
