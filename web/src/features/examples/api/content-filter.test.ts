import { describe, expect, it } from "vitest";
import { contentFilterError, contentListParams, contentSearchBody, parseContentFilter } from "./content-filter";

describe("content filters", () => {
  it("parse field=value with any-of lists", () => {
    expect(parseContentFilter("defect_type=crack")).toEqual({ key: "defect_type", values: ["crack"] });
    expect(parseContentFilter(" defect_type = crack, chip ")).toEqual({ key: "defect_type", values: ["crack", "chip"] });
    expect(parseContentFilter("crack")).toBeNull();
    expect(parseContentFilter("=crack")).toBeNull();
    expect(parseContentFilter("defect_type=")).toBeNull();
  });

  it("explain what cannot be used, and accept empty as no filter", () => {
    expect(contentFilterError("")).toBeNull();
    expect(contentFilterError("defect_type=crack")).toBeNull();
    expect(contentFilterError("crack")).toMatch(/field=value/);
  });

  it("become list parameters and search body keys", () => {
    expect(contentListParams("output", "defect_type=crack, chip")).toEqual({ "output.defect_type": ["crack", "chip"] });
    expect(contentListParams("output", undefined)).toEqual({});
    expect(contentSearchBody("output", "defect_type=crack")).toEqual({ "output.defect_type": "crack" });
    expect(contentSearchBody("output", "defect_type=crack,chip")).toEqual({ "output.defect_type": { in: ["crack", "chip"] } });
  });
});
