// The API reference page (/docs): Swagger UI (swagger-ui-dist, bundled at build time, no CDN)
// rendering the server's own OpenAPI document. A separate Vite entry (vite.config.ts), so none of
// it is in the web app's bundle.
import "swagger-ui-dist/swagger-ui.css";
import SwaggerUIBundle from "swagger-ui-dist/swagger-ui-bundle.js";
import { storedToken } from "../src/lib/auth-storage";

// The page is served by the same server as the app, so it shares the tab's sessionStorage: a user
// who signed in to the app (in this tab, or the tab this one was opened from) is authorized here
// too, and "Try it out" sends the token. Otherwise the note says how to authorize.
const token = storedToken();
const note = document.getElementById("auth-note");
if (note) {
  note.textContent = token
    ? "Signed in: “Try it out” sends the API token this tab signed in with (Authorize → Logout to send none)."
    : "If the server requires a token: sign in to the app in this tab first, or press Authorize and paste a token from `exemplar token create --role read|write|admin`.";
}

const ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#api-docs",
  deepLinking: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  // No validator badge: it would call validator.swagger.io.
  validatorUrl: null,
  onComplete: () => {
    if (token) ui.preauthorizeApiKey("bearerAuth", token);
  },
});
