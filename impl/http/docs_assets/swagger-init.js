// Swagger UI for /docs: the contract from /openapi.json, "Authorize" through the OAuth2
// password flow at the contract's tokenUrl (or with a bearer token already held). Served as a
// file so the CSP needs no inline script. "Try it out" fills in no filter: the contract keeps
// parameter examples in their schemas (`examples`), which Swagger UI shows but does not fill
// in; swagger-overrides.css hides the client fields of the password flow.
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  displayRequestDuration: true,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
