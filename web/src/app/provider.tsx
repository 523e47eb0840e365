import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { isApiError } from "@/lib/api-client";
import { ToastProvider } from "@/lib/toast";
import { SignInDialog } from "./sign-in-dialog";

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: false,
        // 4xx answers will not change on retry; network blips and 5xx get one more try.
        retry: (count, error) => count < 1 && !(isApiError(error) && error.status >= 400 && error.status < 500),
      },
    },
  });
}

export function AppProvider({ children, client }: { children: ReactNode; client?: QueryClient }) {
  const [queryClient] = useState(() => client ?? makeQueryClient());
  return (
    <QueryClientProvider client={queryClient}>
      <ToastProvider>
        {children}
        {/* Over every page: any API call answering 401 opens it (lib/auth.ts). */}
        <SignInDialog />
      </ToastProvider>
    </QueryClientProvider>
  );
}
