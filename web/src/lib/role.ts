// The caller's role (GET /auth/me), so that the UI hides or disables what the role cannot do
// instead of letting the user fill a form the server then refuses with a 403. Asked once per
// token: the query key holds the token, so signing in or out asks again. While the answer is
// pending, or when it failed (an older server without the route), the role is unknown and every
// control shows, as it did before: the server still decides. What is only fetched for a role waits
// for the answer (useMayRead).
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { useAuth } from "@/lib/auth";

export type Role = "read" | "agent" | "write" | "admin";
export type Me = { role: Role; user: string | null; auth_required: boolean };

const rank: Record<Role, number> = { read: 1, agent: 2, write: 3, admin: 4 };

export const meQueryOptions = (token: string | null) =>
  queryOptions({
    queryKey: ["auth-me", token],
    queryFn: ({ signal }) => api.get<Me>("/auth/me", undefined, signal),
    staleTime: Infinity,
    retry: false,
  });

function useMe() {
  const { token } = useAuth();
  return useQuery(meQueryOptions(token));
}

/** The caller's role, or undefined while it is not known. */
export function useRole(): Role | undefined {
  return useMe().data?.role;
}

export type Permission = {
  /** False only when the role is known and below `need`. */
  allowed: boolean;
  /** Why not, for a disabled control's title: "Your token's role (read) cannot create examples". */
  reason: string | undefined;
};

/** Whether the caller's role reaches `need`; `action` completes "cannot …" in the reason. */
export function usePermission(need: "write" | "admin", action: string): Permission {
  const role = useRole();
  if (!role || rank[role] >= rank[need]) return { allowed: true, reason: undefined };
  return { allowed: false, reason: `Your token's role (${role}) cannot ${action}; it needs ${need}` };
}

/**
 * Whether to fetch what only `need` may read (the audit log, the re-embedding status). Unlike a
 * control, which shows until the role is known, such a request waits for the answer: sent while
 * it is pending, it is a 403 (and a refused call in the server's log) on every visit by a lower
 * role. Without an answer (an older server without /auth/me) it is sent, and the server decides.
 */
export function useMayRead(need: "write" | "admin"): boolean {
  const me = useMe();
  if (me.isPending) return false;
  const role = me.data?.role;
  return !role || rank[role] >= rank[need];
}
