// Starts Swagger UI on the docs page. It lives in a file of its own because the
// page's Content-Security-Policy forbids inline scripts.
"use strict";

(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    domNode: root,
    url: root.dataset.openapiUrl,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    // A signed-in token survives a reload of the page.
    persistAuthorization: true,
    // Shows each operation's x-roles: who may call it.
    showExtensions: true,
    displayRequestDuration: true,
    // Never send the document to an online validator.
    validatorUrl: null,
  });
})();
