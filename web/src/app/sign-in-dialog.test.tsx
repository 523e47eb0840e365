import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ExamplesPage } from "@/features/examples/components/examples-page";
import { signIn } from "@/lib/auth";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, noTemplates, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { AppLayout } from "./layout";

// A server that requires a token: only exm_good is accepted (templates too, so the page's filters load).
const needsToken = (path: string, ok: unknown) =>
  route("GET", path, (c) =>
    c.headers.Authorization === "Bearer exm_good"
      ? [200, ok]
      : [401, { detail: c.headers.Authorization ? "invalid or revoked token" : "missing bearer token", code: "unauthenticated", request_id: "req-auth-1" }],
  );
const examples = needsToken("/examples", {
  examples: [makeExample({ example_id: "a", input: { question: "How do I reset my password?" } })],
  total: 1,
  page: 1,
  page_size: 18,
});
const templates = needsToken("/templates", { templates: [], total: 0, page: 1, page_size: 100 });
const renderExamples = () => renderPage(<ExamplesPage />, { route: "/examples", path: "/examples" });

describe("sign-in dialog", () => {
  it("opens on a 401, shows a wrong token's error keeping the text, then signs in and loads the page", async () => {
    const { calls } = mockFetch(examples, templates);
    renderExamples();
    const dialog = await screen.findByRole("dialog", { name: "Sign in" });
    const field = within(dialog).getByLabelText("API token");
    expect(field).toHaveAttribute("type", "password");
    expect(field).toHaveFocus();
    expect(dialog).toHaveTextContent("exemplar token create --role read|agent|write|admin");
    expect(dialog).toHaveTextContent("kept for this tab only");

    await userEvent.type(field, "exm_bad");
    await userEvent.click(within(dialog).getByRole("button", { name: "Sign in" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("invalid or revoked token");
    expect(dialog).toHaveTextContent("Request id: req-auth-1"); // review s23: every error shows its id
    expect(field).toHaveValue("exm_bad");
    expect(field).toHaveAttribute("aria-invalid", "true");
    expect(sessionStorage.getItem("exemplar.api_token")).toBeNull();

    await userEvent.clear(field);
    await userEvent.type(field, "exm_good{Enter}");
    await waitFor(() => expect(screen.queryByRole("dialog", { name: "Sign in" })).not.toBeInTheDocument());
    expect(await screen.findByText("How do I reset my password?")).toBeInTheDocument();
    expect(sessionStorage.getItem("exemplar.api_token")).toBe("exm_good");
    expect(calls.at(-1)?.headers.Authorization).toBe("Bearer exm_good");
  });

  it("closes on Escape and leaves a Sign in button that opens it again", async () => {
    mockFetch(examples, templates);
    renderExamples();
    await screen.findByRole("dialog", { name: "Sign in" });
    await userEvent.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByRole("dialog", { name: "Sign in" })).not.toBeInTheDocument());
    // Focus is not left on <body>: it goes to the page's heading.
    expect(screen.getByRole("heading", { level: 1, name: "Examples" })).toHaveFocus();
    // The page's error offers the way back, instead of a Try again that cannot succeed.
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("missing bearer token");
    expect(within(alert).queryByRole("button", { name: "Try again" })).not.toBeInTheDocument();
    await userEvent.click(within(alert).getByRole("button", { name: "Sign in" }));
    const dialog = await screen.findByRole("dialog", { name: "Sign in" });
    expect(within(dialog).getByLabelText("API token")).toHaveFocus();
  });

  it("shows a 403 as the page's error with the server's message, not as a sign-in", async () => {
    const denied = { detail: "this token's role (none) cannot GET /api/v1/examples; it needs read", code: "permission_denied" };
    mockFetch(noTemplates, route("GET", "/examples", () => [403, denied]));
    signIn("exm_none");
    renderExamples();
    expect(await screen.findByRole("alert")).toHaveTextContent(denied.detail);
    expect(screen.queryByRole("dialog", { name: "Sign in" })).not.toBeInTheDocument();
    expect(sessionStorage.getItem("exemplar.api_token")).toBe("exm_none");
  });
});

describe("sign out", () => {
  it("shows Sign out only while a token is held, and forgets the token", async () => {
    const { unmount } = renderPage(<AppLayout />, { route: "/quality", path: "/quality" });
    expect(screen.queryByRole("button", { name: /Sign out/ })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Sign in" })).not.toBeInTheDocument();
    unmount();

    signIn("exm_good");
    renderPage(<AppLayout />, { route: "/quality", path: "/quality" });
    await userEvent.click(screen.getAllByRole("button", { name: /Sign out/ })[0]);
    expect(sessionStorage.getItem("exemplar.api_token")).toBeNull();
    expect(screen.queryByRole("button", { name: /Sign out/ })).not.toBeInTheDocument();
  });
});
