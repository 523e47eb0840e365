import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { AttributionPanel } from "./attribution-panel";

const TPL = "11111111-1111-4111-8111-111111111111";
const EX = "33333333-3333-4333-8333-333333333333";

describe("attribution", () => {
  it("names examples by their input and shows input → output with field names instead of cut-off JSON", async () => {
    mockFetch(
      route("GET", `/templates/${TPL}/attribution`, () => [
        200,
        {
          template_id: TPL,
          examples: [{ example_id: EX, label: 'classify_defect: {"detector_model":"x", "image_ref"', contribution: 0.2, evidence_trials: 4, path: [{ type: "example", id: EX }, { type: "run", id: "r" }] }],
          templates: [{ template_id: "t0", name: "Defects", version: "1.0.0", relation: "version_of" }],
        },
      ]),
      route("GET", `/examples/${EX}`, () => [200, makeExample({ example_id: EX, function_name: "classify_defect", input: { detector_model: "yolo-v8", image_ref: "img/42.png" }, expected_output: { defect: "scratch" } })]),
    );
    renderPage(<AttributionPanel templateId={TPL} />);
    const link = await screen.findByRole("link", { name: "yolo-v8" });
    expect(link).toHaveAttribute("href", `/examples/${EX}`);
    expect(screen.queryByText(/\{"detector_model"/)).not.toBeInTheDocument();
    const io = screen.getByRole("group", { name: "Example yolo-v8" });
    expect(within(io).getByText("detector_model")).toBeInTheDocument();
    expect(within(io).getByText("image_ref")).toBeInTheDocument();
    expect(within(io).getByText("scratch")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Defects v1.0.0" })).toHaveAttribute("href", "/templates/t0");
  });

  it("says a run could not measure an example that was in every trial, instead of a bare dash", async () => {
    mockFetch(
      route("GET", `/templates/${TPL}/attribution`, () => [
        200,
        {
          template_id: TPL,
          examples: [{ example_id: EX, contribution: null, evidence_trials: 0, runs: [{ run_id: "44444444-4444-4444-8444-444444444444", contribution: null, variation: "not_enough_variation", trials_with: 6, trials_without: 0 }], path: [{ type: "example", id: EX }] }],
          templates: [],
        },
      ]),
      route("GET", `/examples/${EX}`, () => [200, makeExample({ example_id: EX, input: { question: "What is 16 + 3?" }, expected_output: { answer: "19" } })]),
    );
    renderPage(<AttributionPanel templateId={TPL} />);
    expect(await screen.findByText(/Not enough variation \(run 44444444: in 6 of 6 trials\)/)).toBeInTheDocument();
  });
});
