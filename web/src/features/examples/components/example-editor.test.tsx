import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { signIn } from "@/lib/auth";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, noTemplates, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { ExampleDetailPage, NewExamplePage } from "./example-detail-page";

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
    expect(screen.getByText("string too long: question")).toBeInTheDocument();
  });

  it("names each field a template requires once, under the JSON field it belongs to", async () => {
    const required = (side: string, name: string) => ({ loc: ["body", side, name], msg: `field required by the template's ${side === "input" ? "input" : "output"} schema`, type: "value_error.missing" });
    mockFetch(
      noTemplates,
      route("POST", "/examples", () => [422, { detail: [required("input", "question"), required("input", "context"), required("expected_output", "answer"), required("expected_output", "reason")], code: "validation_error" }]),
    );
    renderPage(<NewExamplePage />, { route: "/examples/new", path: "/examples/new" });
    setJson(/^Input \(JSON object\)/, '{"q": "hi"}');
    setJson(/^Expected output/, '{"a": "hello"}');
    await userEvent.click(screen.getByRole("button", { name: "Create example" }));

    expect(await screen.findByText("field required by the template's input schema: question, context")).toBeInTheDocument();
    expect(screen.getByText("field required by the template's output schema: answer, reason")).toBeInTheDocument();
    expect(screen.getByLabelText(/^Expected output/)).toHaveAttribute("aria-invalid", "true");
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

  it("refuses an empty input or output object with a field message and keeps what was typed", async () => {
    const { calls } = mockFetch(noTemplates);
    renderPage(<NewExamplePage />, { route: "/examples/new", path: "/examples/new" });
    setJson(/^Input \(JSON object\)/, "{ }");
    setJson(/^Expected output/, "{}");
    await userEvent.type(screen.getByLabelText("Explanation"), "kept");
    await userEvent.click(screen.getByRole("button", { name: "Create example" }));

    expect(await screen.findByText(/Add at least one input field/)).toBeInTheDocument();
    expect(screen.getByText(/Add at least one output field/)).toBeInTheDocument();
    expect(screen.getByLabelText(/^Input \(JSON object\)/)).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText(/^Input \(JSON object\)/)).toHaveValue("{ }");
    expect(screen.getByLabelText("Explanation")).toHaveValue("kept");
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
  });

  it("marks the input field when the server refuses it with a 422 on `input`", async () => {
    mockFetch(noTemplates, route("POST", "/examples", () => [422, { detail: [{ loc: ["body", "input"], msg: "must not be empty", type: "value_error" }], code: "validation_error" }]));
    renderPage(<NewExamplePage />, { route: "/examples/new", path: "/examples/new" });
    setJson(/^Input \(JSON object\)/, '{"question": " "}');
    setJson(/^Expected output/, '{"answer": "x"}');
    await userEvent.click(screen.getByRole("button", { name: "Create example" }));

    expect(await screen.findByText("must not be empty")).toBeInTheDocument();
    expect(screen.getByLabelText(/^Input \(JSON object\)/)).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText(/^Input \(JSON object\)/)).toHaveValue('{"question": " "}');
    // The refused field takes focus, as for a refusal found before sending.
    await waitFor(() => expect(screen.getByLabelText(/^Input \(JSON object\)/)).toHaveFocus());
  });

  it("asks before leaving with unsaved edits (link or back button), and stays when told to", async () => {
    mockFetch(noTemplates);
    const { history } = renderPage(<NewExamplePage />, { route: "/examples/new", path: "/examples/new" });
    // A clean form leaves without asking.
    act(() => history.push("/elsewhere"));
    expect(screen.getByText("navigated elsewhere")).toBeInTheDocument();
    act(() => history.push("/examples/new"));

    await userEvent.type(await screen.findByLabelText("Explanation"), "half-written");
    act(() => history.push("/elsewhere"));
    const dialog = await screen.findByRole("dialog", { name: "Leave without saving?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Stay on this page" }));
    expect(screen.queryByText("navigated elsewhere")).not.toBeInTheDocument();
    expect(screen.getByLabelText("Explanation")).toHaveValue("half-written");

    act(() => history.push("/elsewhere"));
    await userEvent.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Leave" }));
    expect(await screen.findByText("navigated elsewhere")).toBeInTheDocument();

    // Back to the form (a clean one now), edit, then the back button: refused until confirmed.
    act(() => history.push("/examples/new"));
    await userEvent.type(await screen.findByLabelText("Explanation"), "again");
    act(() => history.go(-1));
    await userEvent.click(within(await screen.findByRole("dialog", { name: "Leave without saving?" })).getByRole("button", { name: "Stay on this page" }));
    expect(screen.getByLabelText("Explanation")).toHaveValue("again");
    expect(history.location.pathname).toBe("/examples/new");
  });

  it("takes focus to the first invalid field when a submit is refused", async () => {
    mockFetch(noTemplates);
    renderPage(<NewExamplePage />, { route: "/examples/new", path: "/examples/new" });
    setJson(/^Expected output/, '{"answer": "x"}');
    await userEvent.click(screen.getByRole("button", { name: "Create example" }));
    await waitFor(() => expect(screen.getByLabelText(/^Input \(JSON object\)/)).toHaveFocus());
  });

  it("keeps focus where it was when a save stores a new version (Save button, or the field for Ctrl+Enter)", async () => {
    const ID = "44444444-4444-4444-8444-444444444444";
    let stored = makeExample({ example_id: ID, version: 1, explanation: "one" });
    mockFetch(
      noTemplates,
      route("GET", `/examples/${ID}`, () => [200, stored]),
      route("PUT", `/examples/${ID}`, (c) => {
        stored = { ...stored, ...(c.body as object), version: stored.version + 1 };
        return [200, stored];
      }),
    );
    renderPage(<ExampleDetailPage />, { route: `/examples/${ID}`, path: "/examples/:id" });
    const explanation = await screen.findByLabelText("Explanation");
    await userEvent.clear(explanation);
    await userEvent.type(explanation, "two");
    const save = screen.getByRole("button", { name: "Save changes" });
    await userEvent.click(save);
    await screen.findByText(/Saved as version 2/);
    await waitFor(() => expect(screen.getByText("v2")).toBeInTheDocument());
    expect(screen.getByRole("button", { name: "Save changes" })).toBe(save);
    expect(save).toHaveFocus();
    expect(screen.getByLabelText("Explanation")).toBe(explanation);
    expect(explanation).toHaveValue("two");

    await userEvent.type(explanation, " three");
    await userEvent.keyboard("{Control>}{Enter}{/Control}");
    await screen.findByText(/Saved as version 3/);
    await waitFor(() => expect(screen.getByText("v3")).toBeInTheDocument());
    expect(explanation).toHaveFocus();
    expect(explanation).toHaveValue("two three");
  });
  it("sends the version it edits as If-Match, and says so when someone saved a newer one meanwhile", async () => {
    const ID = "55555555-5555-4555-8555-555555555555";
    let stored = makeExample({ example_id: ID, version: 1, explanation: "one" });
    const seen: (string | undefined)[] = [];
    mockFetch(
      noTemplates,
      route("GET", `/examples/${ID}`, () => [200, stored]),
      route("PUT", `/examples/${ID}`, (c) => {
        seen.push(c.headers["If-Match"]);
        if (c.headers["If-Match"] !== `"${stored.version}"`) {
          return [412, { detail: `the example is at version ${stored.version}`, code: "precondition_failed" }];
        }
        stored = { ...stored, ...(c.body as object), version: stored.version + 1 };
        return [200, stored];
      }),
    );
    renderPage(<ExampleDetailPage />, { route: `/examples/${ID}`, path: "/examples/:id" });
    const explanation = await screen.findByLabelText("Explanation");
    await userEvent.clear(explanation);
    await userEvent.type(explanation, "mine");
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await screen.findByText(/Saved as version 2/);
    expect(seen).toEqual(['"1"']);

    // Another editor saves version 3; this page still edits version 2.
    stored = { ...stored, explanation: "theirs", version: 3 };
    await userEvent.type(explanation, " again");
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    const notice = await screen.findByText(/Someone saved a newer version of this example/);
    expect(seen).toEqual(['"1"', '"2"']);
    expect(stored.explanation).toBe("theirs");
    expect(explanation).toHaveValue("mine again");
    await userEvent.click(within(notice.closest("[role=alert]") as HTMLElement).getByRole("button", { name: "Load the latest version" }));
    await waitFor(() => expect(screen.getByLabelText("Explanation")).toHaveValue("theirs"));
    expect(screen.queryByText(/Someone saved a newer version/)).not.toBeInTheDocument();
  });

  it("drops a save's 'token expired' once signed in again, keeps the edits unsaved, and saves with the new token", async () => {
    const ID = "66666666-6666-4666-8666-666666666666";
    let stored = makeExample({ example_id: ID, version: 1, explanation: "one" });
    const goodToken = (c: { headers: Record<string, string> }) => c.headers.Authorization === "Bearer exm_new";
    mockFetch(
      noTemplates,
      route("GET", `/examples/${ID}`, () => [200, stored]),
      route("GET", "/examples", (c) => (goodToken(c) ? [200, { examples: [], total: 0, page: 1, page_size: 1 }] : [401, { detail: "token expired", code: "unauthenticated" }])),
      route("PUT", `/examples/${ID}`, (c) => {
        if (!goodToken(c)) return [401, { detail: "token expired", code: "unauthenticated" }];
        stored = { ...stored, ...(c.body as object), version: stored.version + 1 };
        return [200, stored];
      }),
    );
    signIn("exm_old");
    renderPage(<ExampleDetailPage />, { route: `/examples/${ID}`, path: "/examples/:id" });
    const explanation = await screen.findByLabelText("Explanation");
    await userEvent.type(explanation, " more");
    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    const editor = screen.getByRole("form", { name: "Example editor" });
    expect(await within(editor).findByRole("alert")).toHaveTextContent("token expired");

    const dialog = await screen.findByRole("dialog", { name: "Sign in" });
    await userEvent.type(within(dialog).getByLabelText("API token"), "exm_new{Enter}");
    await waitFor(() => expect(screen.queryByRole("dialog", { name: "Sign in" })).not.toBeInTheDocument());
    expect(within(editor).queryByRole("alert")).not.toBeInTheDocument();
    expect(explanation).toHaveValue("one more");
    expect(editor).toHaveAttribute("data-dirty", "true");

    await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect(await screen.findByText(/Saved as version 2/)).toBeInTheDocument();
    expect(stored.explanation).toBe("one more");
  });

  it("shows the request id of a save the server failed, to report it", async () => {
    mockFetch(noTemplates, route("POST", "/examples", () => [500, { detail: "internal error", code: "internal", request_id: "req-9c1" }]));
    renderPage(<NewExamplePage />, { route: "/examples/new", path: "/examples/new" });
    setJson(/^Input \(JSON object\)/, '{"question": "hi"}');
    setJson(/^Expected output/, '{"answer": "hello"}');
    await userEvent.click(screen.getByRole("button", { name: "Create example" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("internal error");
    expect(alert).toHaveTextContent("Request id: req-9c1");
  });
});
