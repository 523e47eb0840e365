import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockFetch, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { VersionsPanel } from "./versions-panel";

const id = "3f1c2d4e-0000-4000-8000-0000000000bb";

// The server pages the history (a long history of a large example was one answer of 96 MB): the
// panel shows the newest page and fetches older ones on request, until the total is shown.
describe("version history", () => {
  it("loads older versions a page at a time", async () => {
    const total = 25;
    const { calls } = mockFetch(
      route("GET", `/examples/${id}/versions`, (c) => {
        const page = Number(c.query.get("page") ?? "1");
        const size = Number(c.query.get("page_size") ?? "20");
        const newest = total - (page - 1) * size;
        const versions = Array.from({ length: Math.max(0, Math.min(size, newest)) }, (_, i) => ({
          version: newest - i,
          created_at: "2026-12-05T10:00:00Z",
          snapshot: { input: { q: `v${newest - i}` } },
        }));
        return [200, { example_id: id, versions, total, page, page_size: size }];
      }),
    );
    renderPage(<VersionsPanel exampleId={id} currentVersion={26} />);
    const list = await screen.findByRole("list", { name: "Versions" });
    expect(within(list).getByText("v25")).toBeInTheDocument();
    expect(within(list).queryByText("v5")).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Show older versions (5 more)" }));
    expect(await within(list).findByText("v1")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Show older versions/ })).not.toBeInTheDocument();
    const pages = calls.filter((c) => c.path === `/api/v1/examples/${id}/versions`).map((c) => c.query.get("page"));
    expect(pages).toEqual(["1", "2"]);
  });
});
