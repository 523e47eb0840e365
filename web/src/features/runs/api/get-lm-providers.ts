import { useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";

/** An LM endpoint the operator configured (GET /lm-providers): names and models, never URLs or keys. */
export type LmProvider = { name: string; kind: string; models: string[]; default_model: string; description?: string };
export type LmProviderList = { providers: LmProvider[]; caller_endpoints_allowed: boolean };

export function getLmProviders(signal?: AbortSignal): Promise<LmProviderList> {
  return api.get<LmProviderList>("/lm-providers", undefined, signal);
}

export function useLmProviders() {
  return useQuery({ queryKey: ["lm-providers"], queryFn: ({ signal }) => getLmProviders(signal), staleTime: 60_000 });
}
