import { act, fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
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
});
