import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ToastProvider, useToast } from "./toast";

function Trigger() {
  const toast = useToast();
  return (
    <>
      <button onClick={() => toast.show("Saved")}>plain</button>
      <button onClick={() => toast.show("Deleted", "success", { label: "Undo", run: undoSpy })}>with undo</button>
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
});
