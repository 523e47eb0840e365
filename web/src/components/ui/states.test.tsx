import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/api-client";
import { ErrorState } from "./states";

describe("error state", () => {
  it("shows the request id a user reports, selectable and with a Copy button", () => {
    render(<ErrorState error={new ApiError(500, { detail: "internal error", request_id: "3f2a-77" }, "500")} title="Could not load examples" />);
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("internal error");
    expect(alert).toHaveTextContent("Request id: 3f2a-77");
    expect(within(alert).getByText("3f2a-77")).toHaveClass("select-all");
    expect(within(alert).getByRole("button", { name: "Copy id" })).toBeInTheDocument();
  });

  it("says nothing of an id when there is none (no answer at all)", () => {
    render(<ErrorState error={new ApiError(0, null, "Cannot reach the server. Check that it is running.")} />);
    expect(screen.getByRole("alert")).not.toHaveTextContent(/Request id/);
    expect(screen.queryByRole("button", { name: "Copy id" })).not.toBeInTheDocument();
  });
});
