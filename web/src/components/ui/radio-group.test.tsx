import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import DashboardPage from "@/features/dashboard/components/dashboard-page";
import { mockFetch } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";

describe("a radio group (the dashboard's Period)", () => {
  it("is one tab stop, moved through and selected with the arrow keys, Home and End", async () => {
    mockFetch();
    const { history } = renderPage(<DashboardPage />, { route: "/dashboard", path: "/dashboard" });
    const group = screen.getByRole("radiogroup", { name: "Period" });
    const [d7, d30, d90] = ["7d", "30d", "90d"].map((n) => screen.getByRole("radio", { name: n }));
    expect(d30).toHaveAttribute("aria-checked", "true");
    expect([d7, d30, d90].map((r) => r.tabIndex)).toEqual([-1, 0, -1]);

    await userEvent.tab();
    while (!group.contains(document.activeElement)) await userEvent.tab();
    expect(d30).toHaveFocus();
    await userEvent.keyboard("{ArrowRight}");
    expect(d90).toHaveFocus();
    expect(d90).toHaveAttribute("aria-checked", "true");
    expect(history.location.search).toBe("?period=90d");
    await userEvent.keyboard("{ArrowRight}"); // wraps
    expect(d7).toHaveFocus();
    await userEvent.keyboard("{End}");
    expect(d90).toHaveFocus();
    await userEvent.keyboard("{ArrowLeft}");
    expect(d30).toHaveFocus();
    expect(history.location.search).toBe("");
    expect([d7, d30, d90].map((r) => r.tabIndex)).toEqual([-1, 0, -1]);
    // Tab leaves the group instead of walking through its options.
    await userEvent.tab();
    expect(group.contains(document.activeElement)).toBe(false);
  });
});
