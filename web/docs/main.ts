// The API reference page (/docs): Swagger UI (swagger-ui-dist, bundled at build time, no CDN)
// rendering the server's own OpenAPI document. A separate Vite entry (vite.config.ts), so none of
// it is in the web app's bundle.
import "swagger-ui-dist/swagger-ui.css";
import SwaggerUIBundle from "swagger-ui-dist/swagger-ui-bundle.js";

SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#api-docs",
  deepLinking: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  // No validator badge: it would call validator.swagger.io.
  validatorUrl: null,
});
