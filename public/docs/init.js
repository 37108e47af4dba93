// @ts-check
/**
 * Renders /openapi.json with Swagger UI. "Try it out" calls this Worker; with
 * API keys configured, the Authorize button takes the key (kept in memory,
 * not persisted).
 */
/** @type {{ SwaggerUIBundle?: (options: Record<string, unknown>) => unknown }} */
const scope = /** @type {never} */ (globalThis)
if (scope.SwaggerUIBundle === undefined) {
  document.body.append('Swagger UI did not load: /docs/vendor/swagger-ui-bundle.js is missing (run `node scripts/assets.ts`).')
} else {
  scope.SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: false,
    displayRequestDuration: true,
    tryItOutEnabled: true,
  })
}
