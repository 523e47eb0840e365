import { describe, expect, it } from "vitest";
import { layoutLineage, nodeHref } from "./layout";

describe("lineage layout", () => {
  const lineage = {
    root: "t1",
    nodes: [
      { type: "template", id: "t1", label: "Support QA" },
      { type: "run", id: "r1", label: "BootstrapFewShot" },
      { type: "example", id: "e1" },
      { type: "template", id: "t2", label: "Support QA" },
    ],
    edges: [
      { source: "e1", target: "r1", type: "used_in" }, // plain ids
      { source: "template:t1", target: "run:r1", type: "optimized_by" }, // typed keys
      { source: "r1", target: "t2", type: "produced" },
      { source: "ghost", target: "t1", type: "derived_from" }, // unknown endpoint: dropped
    ],
  };

  it("resolves plain and typed edge endpoints, drops dangling edges and marks the root", () => {
    const { nodes, edges } = layoutLineage(lineage, "t1");
    expect(nodes.map((n) => n.id).sort()).toEqual(["example:e1", "run:r1", "template:t1", "template:t2"]);
    expect(edges.map((e) => `${e.source}>${e.target}`)).toEqual(["example:e1>run:r1", "template:t1>run:r1", "run:r1>template:t2"]);
    expect(nodes.find((n) => n.data.isRoot)?.id).toBe("template:t1");
  });

  it("lays the DAG out left to right: upstream nodes sit left of what they fed", () => {
    const { nodes } = layoutLineage(lineage, "t1");
    const x = (id: string) => nodes.find((n) => n.id === id)!.position.x;
    expect(x("example:e1")).toBeLessThan(x("run:r1"));
    expect(x("run:r1")).toBeLessThan(x("template:t2"));
  });

  it("links each node type to its page", () => {
    expect(nodeHref({ type: "run", id: "r1" })).toBe("/runs/r1");
    expect(nodeHref({ type: "example", id: "e1" })).toBe("/examples/e1");
    expect(nodeHref({ type: "template", id: "t1" })).toBe("/templates/t1");
  });
});
