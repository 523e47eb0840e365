// swagger-ui-dist ships no types; the page uses the constructor's options object and, once the
// document is loaded, preauthorizeApiKey (which also fills an HTTP bearer scheme).
declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  const SwaggerUIBundle: (options: Record<string, unknown>) => { preauthorizeApiKey(scheme: string, value: string): void };
  export default SwaggerUIBundle;
}
