import { render, screen } from "@testing-library/react";
import type { Node as FlowNode } from "@xyflow/react";
import { ReactFlowProvider, type Node, type NodeProps } from "@xyflow/react";
import { describe, expect, it } from "vitest";
import { NODE_HEIGHT, NODE_WIDTH, type LineageNodeData } from "./layout";
import { LineageNodeCard, minimapColor, NODE_KINDS, nodeAriaLabel, nodeLabel } from "./lineage-node";
import { initialViewport, legend } from "./lineage-view";

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
    expect(screen.getByText("Telemetry Failure Predictor for Fielded Detectors")).toHaveClass("line-clamp-2");
    expect(screen.getByTitle("Telemetry Failure Predictor for Fielded Detectors v1.10.0")).toBeInTheDocument();
  });

  it("shows other labels on up to two lines", () => {
    card("nightly snapshot of QA");
    expect(screen.getByText("nightly snapshot of QA")).toHaveClass("line-clamp-2");
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

describe("an imported DSPy program's node", () => {
  const hash = "3f2a1b9c0d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";
  // As the server sends it: the label is the type and the id's first 8 characters.
  const program = { type: "dspy_program", id: `Predict:${hash}`, label: "dspy_program Predict:" };

  it("is a kind of its own, with a readable chip, a colour, a legend entry and a minimap colour", () => {
    const data = { node: program, isRoot: false } as LineageNodeData;
    const { container } = render(
      <ReactFlowProvider>
        <LineageNodeCard {...({ id: program.id, data } as unknown as NodeProps<Node<LineageNodeData>>)} />
      </ReactFlowProvider>,
    );
    expect(screen.getByText("DSPy program")).toHaveClass("bg-cyan-100", "text-cyan-800");
    expect(screen.queryByText(/dspy_program/i)).not.toBeInTheDocument();
    expect(container.querySelector("[data-node-type]")).toHaveClass("ring-cyan-300");
    expect(legend).toContainEqual(["bg-cyan-400", "Imported DSPy program"]);
    expect(minimapColor("dspy_program")).not.toBe(minimapColor("something else"));
  });

  it("is named by its module and a short hash, not the server's cut label", () => {
    expect(nodeLabel(program)).toBe("Predict 3f2a1b9c");
    expect(nodeAriaLabel({ node: program, isRoot: false })).toBe("DSPy program Predict 3f2a1b9c");
    const fromRun = { type: "dspy_program", id: "ChainOfThought:run-8d1d1ebb-3bec-4e55-9802-ca7a5486a60a", label: "dspy_program ChainOfT" };
    expect(nodeAriaLabel({ node: fromRun, isRoot: false })).toBe("DSPy program ChainOfThought from run 8d1d1ebb");
    // A node imported before the id named its module: the hash alone.
    expect(nodeLabel({ type: "dspy_program", id: hash, label: "dspy_program 3f2a1b9c" })).toBe("3f2a1b9c");
  });
});

describe("lineage node names for a screen reader", () => {
  it("say kind, name and state apart, not run together", () => {
    expect(nodeAriaLabel({ node: { type: "run", id: "8d1d1ebb-3bec-4e55-9802-ca7a5486a60a", label: "run 8d1d1ebb" }, isRoot: false, status: "completed" })).toBe("Run 8d1d1ebb, completed");
    expect(nodeAriaLabel({ node: { type: "template", id: "t", label: "Triage v2", status: "published" }, isRoot: true })).toBe("Template this version Triage v2, published");
    const cluster = { key: "c", role: "demo of", count: 40, members: [], targets: [] };
    expect(nodeAriaLabel({ node: { type: "cluster", id: "c", label: "40 examples" }, isRoot: false, cluster })).toBe("Cluster 40 examples, demo of, click to expand");
  });

  // axe's label-content-name-mismatch (WCAG 2.5.3): the words a sighted user reads on the card are
  // in its accessible name, in order. Words as axe takes them: letters and digits, lower case.
  const words = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim().split(/\s+/);
  // As axe reads it: the text nodes joined as they are, so elements without a space between them
  // run together ("Templatethis").
  const visibleText = (el: Element) => el.textContent ?? "";
  it.each<[string, LineageNodeData]>([
    ["the current template", { node: { type: "template", id: "t1", label: "Detector Defect Classifier v1.1.0", status: "draft" }, isRoot: true }],
    ["a run", { node: { type: "run", id: "8d1d1ebb-3bec-4e55-9802-ca7a5486a60a", label: "run 8d1d1ebb" }, isRoot: false, status: "failed" }],
    ["a cluster", { node: { type: "cluster", id: "c", label: "40 examples" }, isRoot: false, cluster: { key: "c", role: "demo of", count: 40, members: [], targets: [] } }],
    ["a deleted example", { node: { type: "example", id: "e1", label: "fallback", attributes: { deleted: true, input: { q: "Leakage on pixel 12" } } }, isRoot: false }],
    ["a snapshot", { node: { type: "snapshot", id: "s1", label: "snapshot nightly" }, isRoot: false }],
    ["an imported program", { node: { type: "dspy_program", id: "Predict:3f2a1b9c0d4e", label: "dspy_program Predict:" }, isRoot: false }],
  ])("hold the visible text of %s", (_, data) => {
    const { container } = render(
      <ReactFlowProvider>
        <LineageNodeCard {...({ id: data.node.id, data } as unknown as NodeProps<Node<LineageNodeData>>)} />
      </ReactFlowProvider>,
    );
    const shown = words(visibleText(container.querySelector("[data-node-type]")!));
    const name = words(nodeAriaLabel(data)).join(" ");
    expect(` ${name} `).toContain(` ${shown.join(" ")} `);
  });
});

describe("lineage legend and minimap", () => {
  it("name and colour every kind of node drawn, snapshots too", () => {
    const labels = legend.map(([, label]) => label);
    for (const kind of Object.values(NODE_KINDS)) expect(labels).toContain(kind.legend ?? kind.label);
    expect(labels).toContain("Snapshot");
    expect(minimapColor("snapshot")).not.toBe(minimapColor("something else"));
  });
});

describe("the lineage graph's opening view", () => {
  const at = (id: string, x: number, y: number, isRoot = false) =>
    ({ id, position: { x, y }, data: { node: { type: "template", id, label: id }, isRoot } }) as FlowNode<LineageNodeData>;
  const edge = (source: string, target: string) => ({ source, target });
  type View = { x: number; y: number; zoom: number };
  /** The node's box on screen lies inside the pane. */
  const shown = (v: View, n: FlowNode<LineageNodeData>, width: number, height: number) =>
    n.position.x * v.zoom + v.x >= 0 && (n.position.x + NODE_WIDTH) * v.zoom + v.x <= width && n.position.y * v.zoom + v.y >= 0 && (n.position.y + NODE_HEIGHT) * v.zoom + v.y <= height;

  it("fits a graph that reads at the fitted zoom", () => {
    const v = initialViewport([at("a", 0, 0, true), at("b", 400, 0)], [edge("a", "b")], 1100, 560, 0.95);
    expect(v.zoom).toBeGreaterThanOrEqual(0.95);
    expect(v.zoom).toBeLessThanOrEqual(1.2);
  });

  it("opens a graph too big to read when fitted on the current version and its neighbours (a tall column of examples at 1440)", () => {
    // Ten examples used in a run that produced "this"; its parent v1 sits in the examples' rank
    // (dagre, left to right), two ranks from "this": centred alone, "this" left v1 off the left edge.
    const examples = Array.from({ length: 10 }, (_, i) => at(`e${i}`, 0, (i < 5 ? i : i + 1) * 138));
    const run = at("run", 340, 621);
    const parent = at("v1", 0, 690);
    const root = at("this", 680, 700, true);
    const nodes = [...examples, run, parent, root];
    const edges = [...examples.map((e) => edge(e.id, "run")), edge("run", "this"), edge("v1", "this")];
    const v = initialViewport(nodes, edges, 1050, 560, 0.95);
    expect(v.zoom).toBeGreaterThanOrEqual(0.95);
    for (const n of [run, parent, root]) expect(shown(v, n, 1050, 560)).toBe(true);
    expect(examples.filter((e) => shown(v, e, 1050, 560)).length).toBeLessThan(examples.length);
  });

  it("on a phone, where the neighbours do not fit, keeps the readable zoom and the current version wholly in view, toward its neighbours", () => {
    const nodes = [at("a", 0, 0), at("b", 400, 0), at("root", 800, 200, true), at("c", 1200, 0), at("d", 1600, 400)];
    const v = initialViewport(nodes, [edge("a", "b"), edge("b", "root"), edge("root", "c"), edge("c", "d")], 358, 420, 0.8);
    expect(v.zoom).toBe(0.8);
    expect(shown(v, nodes[2], 358, 420)).toBe(true);
    // b and c are on either side: centred between them, the root is in the middle.
    expect((800 + NODE_WIDTH / 2) * v.zoom + v.x).toBeCloseTo(179);

    // Its only neighbour far to the left: the root moves to the pane's right (padded) side, not off it.
    const lone = [at("far", 0, 200), at("root", 800, 200, true)];
    const w = initialViewport(lone, [edge("far", "root")], 358, 420, 0.8);
    expect(shown(w, lone[1], 358, 420)).toBe(true);
    expect((800 + NODE_WIDTH) * w.zoom + w.x).toBeCloseTo(358 - 35.8);
  });
});
