import { fireEvent, screen } from "@testing-library/react";
import { Route, Routes } from "react-router";
import { describe, expect, it } from "vitest";
import { mockFetch, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { EffectivenessPanel } from "./effectiveness-panel";

const stats = { example_id: "e1", total_uses: 5, success_count: 3, failure_count: 1, success_rate: 0.75, effectiveness_score: 0.6667, interval_low: 0.35, interval_high: 0.9, trend: null, last_used_at: null };

const valueOf = (label: string) => screen.getByText(label, { selector: "dt" }).nextSibling;

describe("EffectivenessPanel", () => {
  it("shows the posterior: its mean, 90% interval and Beta parameters", async () => {
    mockFetch(route("GET", "/examples/e1/effectiveness", () => [200, stats]));
    renderPage(<EffectivenessPanel exampleId="e1" />, { route: "/x", path: "/x" });
    await screen.findByText("Posterior mean");
    expect(valueOf("Posterior mean")).toHaveTextContent("0.667");
    expect(valueOf("90% interval")).toHaveTextContent("0.35 – 0.90");
    expect(valueOf("Posterior")).toHaveTextContent("Beta(4.0, 2.0)");
    expect(screen.getByRole("figure", { name: "Posterior mean 0.67, 90% interval 0.35 to 0.90" })).toBeInTheDocument();
  });

  it("opens a retrieval by its id to show why the example was chosen", async () => {
    mockFetch(route("GET", "/examples/e1/effectiveness", () => [200, stats]));
    renderPage(
      <Routes>
        <Route path="/x" element={<EffectivenessPanel exampleId="e1" />} />
        <Route path="/retrievals/:id" element={<p>retrieval page</p>} />
      </Routes>,
      { route: "/x", path: "*" },
    );
    const open = await screen.findByRole("button", { name: "Open" });
    expect(open).toBeDisabled();
    fireEvent.change(screen.getByLabelText("Retrieval ID"), { target: { value: " r-42 " } });
    fireEvent.click(open);
    expect(await screen.findByText("retrieval page")).toBeInTheDocument();
  });
});
