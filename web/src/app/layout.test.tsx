import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { signIn, signOut } from "@/lib/auth";
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

  it("gives the drawer focus, keeps Tab inside, locks the page's scroll and returns focus on Escape", async () => {
    renderAt("/quality");
    const menu = screen.getByRole("button", { name: "Open menu" });
    await userEvent.click(menu);
    const drawer = screen.getByRole("dialog", { name: "Menu" });
    expect(drawer).toContainElement(document.activeElement as HTMLElement);
    expect(document.body.style.overflow).toBe("hidden");

    // Tab past the last item wraps to the first, Shift+Tab from the first to the last.
    const items = within(drawer).getAllByRole("link").concat(within(drawer).getAllByRole("button"));
    for (let i = 0; i < items.length + 2; i++) {
      await userEvent.tab();
      expect(drawer).toContainElement(document.activeElement as HTMLElement);
    }
    within(drawer).getByRole("button", { name: "Close menu" }).focus();
    await userEvent.tab({ shift: true });
    expect(drawer).toContainElement(document.activeElement as HTMLElement);

    await userEvent.keyboard("{Escape}");
    await waitFor(() => expect(screen.queryByRole("dialog", { name: "Menu" })).not.toBeInTheDocument());
    expect(menu).toHaveFocus();
    expect(document.body.style.overflow).toBe("");
  });

  it("scrolls to the top on a link to another page, but not on Back/Forward or a search-only change", () => {
    const scrollTo = vi.fn();
    vi.stubGlobal("scrollTo", scrollTo);
    const { history } = renderPage(<AppLayout />, { route: "/quality", path: "*" });
    expect(scrollTo).not.toHaveBeenCalled();
    act(() => history.push("/dashboard"));
    expect(scrollTo).toHaveBeenCalledWith(0, 0);
    scrollTo.mockClear();
    act(() => history.push("/dashboard?period=7d"));
    act(() => history.replace("/dashboard?period=90d"));
    expect(scrollTo).not.toHaveBeenCalled();
    act(() => history.go(-1));
    act(() => history.go(-1));
    expect(history.location.pathname).toBe("/quality");
    expect(scrollTo).not.toHaveBeenCalled();
  });

  it("closes the drawer on Sign out, so the sign-in dialog that may follow is the only dialog", async () => {
    signIn("exm_held");
    try {
      renderAt("/quality");
      await userEvent.click(screen.getByRole("button", { name: "Open menu" }));
      const drawer = screen.getByRole("dialog", { name: "Menu" });
      await userEvent.click(within(drawer).getByRole("button", { name: /Sign out/ }));
      await waitFor(() => expect(screen.queryByRole("dialog", { name: "Menu" })).not.toBeInTheDocument());
    } finally {
      signOut();
    }
  });
});
