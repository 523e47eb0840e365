import { render, screen } from "@testing-library/react";
import { ReactFlowProvider, type Node, type NodeProps } from "@xyflow/react";
import { describe, expect, it } from "vitest";
import type { LineageNodeData } from "./layout";
import { LineageNodeCard, nodeAriaLabel, nodeLabel } from "./lineage-node";

const card = (label: string) => {
  const data = { node: { type: "template", id: "t1", label }, isRoot: false } as LineageNodeData;
  render(
    <ReactFlowProvider>
      <LineageNodeCard {...({ id: "t1", data } as unknown as NodeProps<Node<LineageNodeData>>)} />
    </ReactFlowProvider>,
  );
};

describe("lineage node", () => {
  it("keeps a template's version apart from its name, so only the name is cut", () => {
    card("Telemetry Failure Predictor for Fielded Detectors v1.10.0");
    expect(screen.getByText("v1.10.0")).toHaveClass("shrink-0");
    expect(screen.getByText("Telemetry Failure Predictor for Fielded Detectors")).toHaveClass("truncate");
    expect(screen.getByTitle("Telemetry Failure Predictor for Fielded Detectors v1.10.0")).toBeInTheDocument();
  });

  it("shows other labels whole", () => {
    card("snapshot nightly");
    expect(screen.getByText("snapshot nightly")).toHaveClass("truncate");
  });

  it("names an example by its input as example cards do, not by the server's function: {json} label", () => {
    const node = {
      type: "example",
      id: "01d03099-763a-494d-b68b-3d7ffb59e117",
      label: 'assess_calibration_drift: {"detector_model":"CZT-Quad',
      attributes: { function_name: "assess_calibration_drift", input: { telemetry_summary: "Leakage on pixels 12-17 up from 3 nA to 9 nA" } },
    };
    expect(nodeLabel(node)).toBe("Leakage on pixels 12-17 up from 3 nA to 9 nA");
    // Without the input the server's label is all there is.
    expect(nodeLabel({ type: "example", id: "x", label: "fallback label" })).toBe("fallback label");
  });
});

describe("lineage node names for a screen reader", () => {
  it("say kind, name and state apart, not run together", () => {
    expect(nodeAriaLabel({ node: { type: "run", id: "8d1d1ebb-3bec-4e55-9802-ca7a5486a60a", label: "run 8d1d1ebb" }, isRoot: false, status: "completed" })).toBe("Run 8d1d1ebb, completed");
    expect(nodeAriaLabel({ node: { type: "template", id: "t", label: "Triage v2", status: "published" }, isRoot: true })).toBe("Template Triage v2, this template, published");
    const cluster = { key: "c", role: "demo of", count: 40, members: [], targets: [] };
    expect(nodeAriaLabel({ node: { type: "cluster", id: "c", label: "40 examples" }, isRoot: false, cluster })).toBe("Cluster of 40 examples (demo of), press Enter to expand");
  });
});
