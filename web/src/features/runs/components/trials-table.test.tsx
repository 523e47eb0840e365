import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderPage } from "@/testing/render";
import { TrialsTable } from "./trials-table";

const ids = Array.from({ length: 16 }, (_, i) => `${String(i).padStart(8, "0")}-0000-4000-8000-000000000000`);

describe("trials table", () => {
  it("keeps a trial's demos in one element, so the phone's stacked row (a flex row) does not pull them apart", () => {
    renderPage(<TrialsTable trials={[{ index: 0, score: 0.5, instruction: "x", demoIds: ids, lmCalls: 3, metrics: {} }]} bestScore={0.5} />);
    const cell = screen.getByRole("cell", { name: /\+12/ });
    // The cell's only child holds the four links and the count of the rest.
    expect(cell.children).toHaveLength(1);
    expect(within(cell.children[0] as HTMLElement).getAllByRole("link")).toHaveLength(4);
    expect(cell.children[0]).toHaveTextContent("+12 more");
  });
});
