// Where the signed-in API token is kept: this tab's sessionStorage. A module of its own, without
// React, so the API docs page (docs/main.ts, a separate bundle) reads the same token.

export const TOKEN_STORAGE_KEY = "exemplar.api_token";

/** The token this tab signed in with, or null (none, or storage disabled). */
export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_STORAGE_KEY);
  } catch {
    return null;
  }
}
