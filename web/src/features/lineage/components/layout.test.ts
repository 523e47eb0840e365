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

describe("lineage at scale", () => {
  const tpl = { type: "template", id: "t1", label: "QA v1" };
  const run = { type: "run", id: "r1" };
  const failed = { type: "run", id: "r2" };
  const child = { type: "template", id: "t2", label: "QA v2" };
  const used = Array.from({ length: 480 }, (_, i) => ({ type: "example", id: `u${i}` }));
  const demos = Array.from({ length: 4 }, (_, i) => ({ type: "example", id: `d${i}` }));
  const lineage = {
    root: "template:t1",
    nodes: [tpl, run, failed, child, ...used, ...demos],
    edges: [
      { source: "template:t1", target: "run:r1", type: "optimized_by" },
      { source: "template:t1", target: "run:r2", type: "optimized_by" },
      { source: "run:r1", target: "template:t2", type: "produced" },
      { source: "template:t1", target: "template:t2", type: "version_of" },
      ...used.map((e) => ({ source: `example:${e.id}`, target: "run:r1", type: "used_in" })),
      ...demos.map((e) => ({ source: `example:${e.id}`, target: "run:r1", type: "used_in" })),
      ...demos.map((e) => ({ source: `example:${e.id}`, target: "template:t2", type: "demo_of" })),
    ],
  };

  it("groups many examples by how they are linked, with counts, and expands a cluster on request", () => {
    const { nodes, edges, clusters } = layoutLineage(lineage, "t1");
    expect(clusters.map((c) => [c.role, c.count]).sort()).toEqual([
      ["demo of + used in", 4],
      ["used in", 480],
    ]);
    expect(nodes).toHaveLength(4 + 2); // templates, runs and two clusters instead of 484 examples
    const big = clusters.find((c) => c.count === 480)!;
    expect(edges.find((e) => e.source === big.key)?.label).toBe("used in ×480");

    const open = layoutLineage(lineage, "t1", { expanded: new Set([big.key]) });
    expect(open.nodes).toHaveLength(4 + 480 + 1);
  });

  it("draws an example whose links no other example shares as itself, not as a cluster of one", () => {
    const lone = { type: "example", id: "lone", label: "lone" };
    const withLone = {
      ...lineage,
      nodes: [...lineage.nodes, lone],
      edges: [...lineage.edges, { source: "example:lone", target: "template:t2", type: "demo_of" }],
    };
    const { nodes, clusters } = layoutLineage(withLone, "t1");
    expect(clusters.map((c) => c.count)).toEqual([480, 4]);
    expect(nodes.map((n) => n.id)).toContain("example:lone");
    expect(nodes).toHaveLength(4 + 2 + 1);
  });

  it("keeps small graphs unclustered", () => {
    const small = { ...lineage, nodes: [tpl, run, ...demos], edges: lineage.edges.filter((e) => !e.source.startsWith("example:u")) };
    expect(layoutLineage(small, "t1").clusters).toEqual([]);
  });

  it("routes a long version_of edge through its own bend points, and mutes edges of failed runs", () => {
    const { edges } = layoutLineage(lineage, "t1", { runStatus: new Map([["r1", "completed"], ["r2", "failed"]]) });
    const versionOf = edges.find((e) => e.label === "version of")!;
    expect(versionOf.type).toBe("routed");
    expect(versionOf.data!.points.length).toBeGreaterThan(2);
    expect(edges.find((e) => e.target === "run:r2")!.data!.muted).toBe(true);
    expect(edges.find((e) => e.target === "run:r1" && e.label === "optimized by")!.data!.muted).toBe(false);
  });
});
