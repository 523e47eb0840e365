import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it } from "vitest";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, route } from "@/testing/mock-fetch";
import { dashboardQueryOptions } from "@/features/dashboard/api/get-dashboard";
import { useCreateExample } from "./create-example";
import { useDeleteExample, useDeleteExamples } from "./delete-example";
import { useRestoreExample } from "./restore-example";
import { useUpdateExample } from "./update-example";

const ID = "33333333-3333-4333-8333-333333333333";

function setup() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: 60_000 } } });
  // A dashboard seen earlier, still fresh by its staleTime.
  const key = dashboardQueryOptions({ period: "30d" }).queryKey;
  client.setQueryData(key, { total_examples: 70 } as never);
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  return { client, wrapper, stale: () => client.getQueryState(key)?.isInvalidated };
}

describe("example mutations", () => {
  type Mutation = { mutate: (v: never) => void; isSuccess: boolean };
  const cases: [string, () => Mutation, unknown][] = [
    ["create", useCreateExample, { input: { q: "a" }, expected_output: { a: "b" }, domain: "general" }],
    ["update", () => useUpdateExample(ID), { body: { explanation: "x" }, baseVersion: 1 }],
    ["delete", useDeleteExample, ID],
  ];
  it.each(cases)("%s leaves the dashboard's counts stale, so it refetches when shown", async (_, hook, arg) => {
    mockFetch(
      route("POST", "/examples", () => [201, makeExample({ example_id: ID })]),
      route("PUT", `/examples/${ID}`, () => [200, makeExample({ example_id: ID, version: 2 })]),
      route("DELETE", `/examples/${ID}`, () => [204, null]),
    );
    const { wrapper, stale } = setup();
    const { result } = renderHook(hook, { wrapper });
    expect(stale()).toBe(false);
    result.current.mutate(arg as never);
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(stale()).toBe(true);
  });

  const qualityCases: [string, () => Mutation, unknown][] = [
    ["restore", useRestoreExample, ID],
    ["delete", useDeleteExample, ID],
    ["delete several", useDeleteExamples, [ID]],
  ];
  it.each(qualityCases)("%s leaves the quality report and the dashboard stale (Undo on the Quality page)", async (_, hook, arg) => {
    mockFetch(route("POST", `/examples/${ID}/restore`, () => [200, makeExample({ example_id: ID })]), route("DELETE", `/examples/${ID}`, () => [204, null]));
    const { client, wrapper, stale } = setup();
    client.setQueryData(["quality", "duplicates"], { clusters: [] });
    const { result } = renderHook(hook, { wrapper });
    result.current.mutate(arg as never);
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(client.getQueryState(["quality", "duplicates"])?.isInvalidated).toBe(true);
    expect(stale()).toBe(true);
  });
});
