/// <reference types="vitest/config" />
import { fileURLToPath, URL } from "node:url";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";
import { defineConfig } from "vite";

// The dev server proxies the API to a locally running `exemplar serve` (default port 8080).
const apiTarget = process.env.EXEMPLAR_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  server: { proxy: { "/api": apiTarget, "/healthz": apiTarget, "/readyz": apiTarget } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Swagger UI's prebuilt bundle (~1.7 MB) is the API docs page's alone.
    chunkSizeWarningLimit: 2000,
    // Two pages: the app, and the API reference (/docs) with its own bundle.
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL("./index.html", import.meta.url)),
        docs: fileURLToPath(new URL("./docs/index.html", import.meta.url)),
      },
    },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/testing/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
    pool: "threads",
    poolOptions: { threads: { maxThreads: 2, minThreads: 1 } },
  },
});
