// The API token the user signed in with, and whether the server has asked for one (a 401).
// A server on loopback without auth, or behind a trusted proxy that names the user, never answers
// 401, so there the UI never asks and sends no token.
//
// The token is kept in sessionStorage, not localStorage: it leaves with the tab. Closing the tab
// signs out, other tabs do not inherit it, and a token typed on a shared machine is not left on
// disk for the next person.
import { useSyncExternalStore } from "react";
import { storedToken, TOKEN_STORAGE_KEY as STORAGE_KEY } from "./auth-storage";

export type AuthState = {
  /** The token sent as `Authorization: Bearer …`, or null. */
  token: string | null;
  /** The server answered 401 to a request without a usable token. */
  required: boolean;
  /** The sign-in dialog is open. */
  prompt: boolean;
  /** Why a token the UI held stopped working (the server's message), shown in the dialog. */
  refused: string | null;
};

// Storage disabled: null, and the token lives only in memory.
const stored = storedToken;

function store(token: string | null) {
  try {
    if (token) sessionStorage.setItem(STORAGE_KEY, token);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    /* storage disabled */
  }
}

let state: AuthState = { token: stored(), required: false, prompt: false, refused: null };
// Set when the user closes the dialog: later 401s (a page's other queries) do not reopen it; the
// Sign in buttons (sidebar, error states) do.
let dismissed = false;
const listeners = new Set<() => void>();

function set(next: AuthState) {
  state = next;
  listeners.forEach((l) => l());
}

/** The token to send now. */
export function authToken(): string | null {
  return state.token;
}

export function authState(): AuthState {
  return state;
}

/** Keeps `token` for this tab and closes the dialog. */
export function signIn(token: string) {
  store(token);
  dismissed = false;
  set({ token, required: false, prompt: false, refused: null });
}

/** Forgets the token. */
export function signOut() {
  store(null);
  dismissed = false;
  set({ token: null, required: false, prompt: false, refused: null });
}

/**
 * The server answered 401 (`message`) to a request sent with `sentWith`. An answer to a request sent
 * before the current token was set is ignored: its retry carries the new token. A held token that
 * was refused (revoked, expired) is forgotten.
 */
export function unauthenticated(message: string, sentWith: string | null) {
  if (sentWith !== state.token) return;
  if (sentWith) {
    store(null);
    dismissed = false;
    set({ token: null, required: true, prompt: true, refused: message });
    return;
  }
  if (dismissed || (state.required && state.prompt)) return;
  set({ ...state, required: true, prompt: true });
}

export function openSignIn() {
  dismissed = false;
  set({ ...state, prompt: true });
}

/** Closes the dialog without signing in (Esc, Cancel); the Sign in buttons open it again. */
export function dismissSignIn() {
  dismissed = true;
  set({ ...state, prompt: false });
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useAuth(): AuthState {
  return useSyncExternalStore(subscribe, authState, authState);
}
