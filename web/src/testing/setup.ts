import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";
import { signOut } from "@/lib/auth";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  // Each test starts signed out, as a fresh tab does.
  signOut();
  sessionStorage.clear();
});
