import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { EffectivenessIndicator } from "./effectiveness-indicator";

describe("EffectivenessIndicator", () => {
  it('shows "No data" while an example has no outcomes', () => {
    render(<EffectivenessIndicator score={null} usageCount={3} />);
    expect(screen.getByText("No data")).toBeInTheDocument();
    expect(screen.getByText("3 uses")).toBeInTheDocument();
    expect(screen.queryByLabelText("Effectiveness score")).not.toBeInTheDocument();
  });

  it("shows the score and the uses behind it once there is evidence", () => {
    render(<EffectivenessIndicator score={0.8333} usageCount={1} />);
    expect(screen.getByLabelText("Effectiveness score")).toHaveTextContent("0.83");
    expect(screen.getByText("1 use")).toBeInTheDocument();
    expect(screen.queryByText("No data")).not.toBeInTheDocument();
  });

  it("treats a score of 0 as data, not as missing", () => {
    render(<EffectivenessIndicator score={0} usageCount={12} />);
    expect(screen.getByLabelText("Effectiveness score")).toHaveTextContent("0.00");
  });
});
