// Module resolution hook for scripts/api-types.mjs: openapi-typescript builds its output with the
// TypeScript 5 compiler API, which TypeScript 7 (the project's compiler) no longer has, so its
// `import "typescript"` is sent to the `typescript-5` package (an npm alias in package.json).
export async function resolve(specifier, context, next) {
  if (specifier === "typescript" && context.parentURL?.includes("/node_modules/openapi-typescript/")) {
    return next("typescript-5", context);
  }
  return next(specifier, context);
}
