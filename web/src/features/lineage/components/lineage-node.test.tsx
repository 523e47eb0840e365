import { render, screen } from "@testing-library/react";
import { ReactFlowProvider, type Node, type NodeProps } from "@xyflow/react";
import { describe, expect, it } from "vitest";
import type { LineageNodeData } from "./layout";
import { LineageNodeCard } from "./lineage-node";

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
});
