// Starts Swagger UI over this service's /openapi.json (Swagger UI's stock index page does
// this in an inline script, which the page's Content-Security-Policy forbids).
"use strict";

window.addEventListener("DOMContentLoaded", function () {
  const root = document.getElementById("swagger-ui");
  const base = root.dataset.apiBase || "";
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    // The document has no `servers`: "Try it out" calls this service, under its prefix.
    requestInterceptor: function (request) {
      const url = new URL(request.url, window.location.href);
      if (base && url.origin === window.location.origin && !url.pathname.startsWith(base + "/")) {
        url.pathname = base + url.pathname;
        request.url = url.toString();
      }
      return request;
    },
    // No call to swagger.io's online validator: the page works offline.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
