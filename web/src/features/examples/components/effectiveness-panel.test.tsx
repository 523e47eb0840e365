import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { mockFetch, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { EffectivenessPanel } from "./effectiveness-panel";

describe("EffectivenessPanel", () => {
  it("shows the posterior, its mean and interval", async () => {
    mockFetch(
      route("GET", "/examples/e1/effectiveness", () => [
        200,
        { example_id: "e1", total_uses: 5, success_count: 3, failure_count: 1, success_rate: 0.75, effectiveness_score: 0.6667, interval_low: 0.35, interval_high: 0.9, trend: null, last_used_at: null },
      ]),
    );
    renderPage(<EffectivenessPanel exampleId="e1" />, { route: "/x", path: "/x" });
    const posterior = await screen.findByText("Posterior");
    expect(posterior.nextSibling).toHaveTextContent("Beta(4.0, 2.0) · mean 0.667 · 90% 0.35–0.90");
  });
});
