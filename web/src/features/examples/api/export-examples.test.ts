import { describe, expect, it } from "vitest";
import { mockFetch, route } from "@/testing/mock-fetch";
import { exportExamples } from "./export-examples";

// The list sent an output filter as output.<field> parameters, the export as a plain `output`
// the server does not know (422): exporting what the list showed failed.
describe("exportExamples", () => {
  it("sends the output-value filter as the list does", async () => {
    const { calls } = mockFetch(route("GET", "/examples/export", () => [200, '{"example_id":"a"}\n']));
    await exportExamples({ domain: "defects", output: "defect_type=crack, chip" });
    const q = calls[0].query;
    expect(q.get("format")).toBe("jsonl");
    expect(q.get("domain")).toBe("defects");
    expect(q.getAll("output.defect_type")).toEqual(["crack", "chip"]);
    expect(q.has("output")).toBe(false);
  });
});
