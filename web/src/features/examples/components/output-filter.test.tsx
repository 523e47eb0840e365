import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, noTemplates, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { ExamplesPage } from "./examples-page";
import { QualityWarnings } from "./quality-warnings";

const list = route("GET", "/examples", () => [200, { examples: [makeExample()], total: 1, page: 1, page_size: 18 }]);

describe("output-value filter", () => {
  it("sends output.<field> parameters, several values as any-of", async () => {
    const { calls } = mockFetch(noTemplates, list);
    renderPage(<ExamplesPage />, { route: "/examples", path: "/examples" });
    await screen.findByTestId("example-card");
    await userEvent.type(screen.getByLabelText("Output value"), "defect_type=crack, chip{Enter}");
    await waitFor(() => expect(calls.some((c) => c.query.getAll("output.defect_type").join("|") === "crack|chip")).toBe(true));
  });

  it("marks a filter that is not field=value and sends nothing", async () => {
    const { calls } = mockFetch(noTemplates, list);
    renderPage(<ExamplesPage />, { route: "/examples", path: "/examples" });
    await screen.findByTestId("example-card");
    const field = screen.getByLabelText("Output value");
    await userEvent.type(field, "crack{Enter}");
    expect(await screen.findByText(/Write field=value/)).toBeInTheDocument();
    expect(field).toHaveValue("crack");
    expect(calls.some((c) => [...c.query.keys()].some((k) => k.startsWith("output.")))).toBe(false);
  });

  it("filters by personal-data flags", async () => {
    const { calls } = mockFetch(noTemplates, list);
    renderPage(<ExamplesPage />, { route: "/examples", path: "/examples" });
    await screen.findByTestId("example-card");
    await userEvent.selectOptions(screen.getByLabelText("Personal data"), "ssn");
    await waitFor(() => expect(calls.some((c) => c.query.get("pii") === "ssn")).toBe(true));
  });
});

describe("save warnings", () => {
  it("lists each warning with a link to the example it concerns", () => {
    renderPage(
      <QualityWarnings
        warnings={[
          { type: "conflict", message: "input resembles example x whose expected output differs", example_id: "x", similarity: 1 },
          { type: "pii", message: "contains personal data or secrets: phone", kinds: ["phone"] },
        ]}
      />,
      { route: "/", path: "/" },
    );
    expect(screen.getByRole("status", { name: "Quality warnings" })).toHaveTextContent("Saved with 2 warnings");
    expect(screen.getByText(/Conflict:/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "open" })).toHaveAttribute("href", "/examples/x");
  });
});
