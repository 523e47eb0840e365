import { act, fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { ToastProvider, useToast } from "./toast";

function Trigger() {
  const toast = useToast();
  return (
    <>
      <button onClick={() => toast.show("Saved")}>plain</button>
      <button onClick={() => toast.show("Deleted", "success", { label: "Undo", run: undoSpy })}>with undo</button>
      <button onClick={() => toast.show("Gone", "success", { label: "Undo", run: undoSpy, focus: true })}>focus undo</button>
    </>
  );
}
const undoSpy = vi.fn();

describe("toasts", () => {
  it("can be dismissed before they time out, with or without an action", async () => {
    render(
      <ToastProvider>
        <Trigger />
      </ToastProvider>,
    );
    await userEvent.click(screen.getByRole("button", { name: "plain" }));
    await userEvent.click(screen.getByRole("button", { name: "with undo" }));
    const saved = screen.getByText("Saved").closest("[role=status]") as HTMLElement;
    await userEvent.click(within(saved).getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByText("Saved")).not.toBeInTheDocument();
    const deleted = screen.getByText("Deleted").closest("[role=status]") as HTMLElement;
    expect(within(deleted).getByRole("button", { name: "Undo" })).toBeInTheDocument();
    await userEvent.click(within(deleted).getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByText("Deleted")).not.toBeInTheDocument();
    expect(undoSpy).not.toHaveBeenCalled();
  });

  it("takes focus to its action when asked, stays while focused, and times out 10 s after focus leaves", () => {
    vi.useFakeTimers();
    try {
      render(
        <ToastProvider>
          <Trigger />
        </ToastProvider>,
      );
      fireEvent.click(screen.getByRole("button", { name: "focus undo" }));
      const undo = within(screen.getByText("Gone").closest("[role=status]") as HTMLElement).getByRole("button", { name: "Undo" });
      expect(undo).toHaveFocus();
      act(() => vi.advanceTimersByTime(30_000));
      expect(screen.getByText("Gone")).toBeInTheDocument();
      act(() => screen.getByRole("button", { name: "plain" }).focus());
      act(() => vi.advanceTimersByTime(9_000));
      expect(screen.getByText("Gone")).toBeInTheDocument();
      act(() => vi.advanceTimersByTime(1_500));
      expect(screen.queryByText("Gone")).not.toBeInTheDocument();
    } finally {
      vi.useRealTimers();
    }
  });

  it("gives focus to the page's heading when its Undo closes it and the control that deleted is gone", async () => {
    function Page() {
      const toast = useToast();
      const [shown, setShown] = useState(true);
      return (
        <main id="main">
          <h1 tabIndex={-1}>Examples</h1>
          {shown && (
            <button
              onClick={() => {
                setShown(false); // the deleted row and its button go away
                toast.show("Deleted", "success", { label: "Undo", run: undoSpy, focus: true });
              }}
            >
              delete row
            </button>
          )}
        </main>
      );
    }
    render(
      <ToastProvider>
        <Page />
      </ToastProvider>,
    );
    await userEvent.click(screen.getByRole("button", { name: "delete row" }));
    expect(screen.getByRole("button", { name: "Undo" })).toHaveFocus();
    await userEvent.keyboard("{Enter}");
    expect(screen.queryByText("Deleted")).not.toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Examples" })).toHaveFocus();
  });

  it("gives focus back to where it was when dismissed", async () => {
    render(
      <ToastProvider>
        <Trigger />
      </ToastProvider>,
    );
    await userEvent.click(screen.getByRole("button", { name: "focus undo" }));
    await userEvent.click(screen.getByRole("button", { name: "Dismiss" }));
    expect(screen.getByRole("button", { name: "focus undo" })).toHaveFocus();
  });

  describe("on a phone, the edge away from what the user works with", () => {
    const region = () => screen.getByText("Saved").closest("[aria-live]") as HTMLElement;
    const at = (el: HTMLElement, top: number) => (el.getBoundingClientRect = () => ({ top, bottom: top + 40, height: 40, left: 0, right: 100, width: 100, x: 0, y: top, toJSON: () => ({}) }));

    it("sits under the top bar when the focused control is in the lower half, at the bottom (with a spacer) when it is in the upper half", async () => {
      render(
        <ToastProvider>
          <Trigger />
          <input aria-label="low field" />
        </ToastProvider>,
      );
      const plain = screen.getByRole("button", { name: "plain" });
      const low = screen.getByLabelText("low field");
      at(plain, 50);
      at(low, window.innerHeight - 60);
      low.focus();
      fireEvent.click(plain);
      expect(region()).toHaveAttribute("data-edge", "top");
      expect(screen.queryByTestId("toast-spacer")).not.toBeInTheDocument();
      // Focus moving to the upper half sends it to the bottom, and the page gets room at its end.
      act(() => plain.focus());
      expect(region()).toHaveAttribute("data-edge", "bottom");
      expect(screen.getByTestId("toast-spacer")).toBeInTheDocument();
    });

    it("sits at the bottom while a modal dialog is open, whatever has focus", () => {
      render(
        <ToastProvider>
          <Trigger />
          <div role="dialog" aria-modal="true" aria-label="Edit">
            <button>Apply</button>
          </div>
        </ToastProvider>,
      );
      const apply = screen.getByRole("button", { name: "Apply" });
      at(apply, window.innerHeight - 60);
      apply.focus();
      fireEvent.click(screen.getByRole("button", { name: "plain" }));
      act(() => apply.focus());
      expect(region()).toHaveAttribute("data-edge", "bottom");
    });
  });
});
