import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderPage } from "@/testing/render";
import { AppLayout } from "./layout";

const renderAt = (route: string) => renderPage(<AppLayout />, { route, path: route });

describe("app layout", () => {
  it("marks the section of the current page", () => {
    renderAt("/examples/abc");
    const nav = screen.getAllByRole("navigation", { name: "Main" })[0];
    expect(within(nav).getByRole("link", { name: "Examples" })).toHaveAttribute("aria-current", "page");
    expect(within(nav).getByRole("link", { name: "Import" })).not.toHaveAttribute("aria-current");
  });

  it("opens the navigation as a drawer from the menu button and closes it on Escape", async () => {
    renderAt("/examples/import");
    await userEvent.click(screen.getByRole("button", { name: "Open menu" }));
    const drawer = screen.getByRole("dialog", { name: "Menu" });
    expect(within(drawer).getByRole("link", { name: "Import" })).toHaveAttribute("aria-current", "page");
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("dialog", { name: "Menu" })).not.toBeInTheDocument();
  });
});
