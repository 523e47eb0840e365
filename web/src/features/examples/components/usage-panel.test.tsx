import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockFetch, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { UsagePanel } from "./usage-panel";

const id = "3f1c2d4e-0000-4000-8000-0000000000cc";
const at = "2026-12-07T10:00:00Z";
const event = (n: number, kind: string, actor: string | null, outcome: string | null = null, retrieval_id: string | null = null) => ({
  id: n, kind, outcome, success_delta: 0, failure_delta: 0, actor, retrieval_id, created_at: at,
});

// Any agent token moves an example's score (review s22 P2-4): the panel says who sent each piece
// of evidence, newest first, and pages older ones by before_id.
describe("usage panel", () => {
  it("names who sent each event and pages older ones", async () => {
    const { calls } = mockFetch(
      route("GET", `/examples/${id}/usage`, (c) =>
        c.query.get("before_id") === "4"
          ? [200, { example_id: id, events: [event(3, "optimization", null, "success")], next_before_id: null }]
          : [200, {
              example_id: id,
              events: [event(6, "tracked", "token:ab12cd34", "failure"), event(5, "outcome", "triage-bot", "success", "r-1"), event(4, "retrieved", "support-bot", null, "r-1")],
              next_before_id: 4,
            }],
      ),
    );
    renderPage(<UsagePanel exampleId={id} />);
    const list = await screen.findByRole("list", { name: "Usage events" });
    const items = within(list).getAllByRole("listitem");
    expect(items[0]).toHaveTextContent("token:ab12cd34 tracked: failure");
    expect(items[1]).toHaveTextContent("triage-bot outcome: success");
    expect(items[2]).toHaveTextContent("support-bot retrieved");
    expect(within(items[2]).getByRole("link")).toHaveAttribute("href", "/retrievals/r-1");
    await userEvent.click(screen.getByRole("button", { name: "Show older usage" }));
    expect(await within(list).findByText("a run")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Show older usage" })).not.toBeInTheDocument();
    const pages = calls.filter((c) => c.path === `/api/v1/examples/${id}/usage`).map((c) => c.query.get("before_id"));
    expect(pages).toEqual([null, "4"]);
  });
});
