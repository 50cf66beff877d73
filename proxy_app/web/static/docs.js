// Starts Swagger UI over this service's /openapi.json (Swagger UI's stock index page does
// this in an inline script, which the page's Content-Security-Policy forbids).
"use strict";

// Swagger UI leaves a few of its controls without a name a screen reader can say, or with
// one that does not start with the words shown (axe-core: label, select-name, button-name,
// label-content-name-mismatch, scrollable-region-focusable). Each is named as it appears.
function nameSwaggerUiControls(root) {
  root.querySelectorAll("tr[data-param-name] :is(input, select, textarea):not([aria-label])")
    .forEach(function (control) {
      const row = control.closest("tr[data-param-name]");
      const where = row.dataset.paramIn ? " (" + row.dataset.paramIn + ")" : "";
      control.setAttribute("aria-label", row.dataset.paramName + where);
    });
  root.querySelectorAll("textarea.body-param__text:not([aria-label])").forEach(function (body) {
    body.setAttribute("aria-label", "Request body (JSON)");
  });
  root.querySelectorAll(".close-modal:not([aria-label])").forEach(function (button) {
    button.setAttribute("aria-label", "Close");
  });
  root.querySelectorAll(".auth-btn-wrapper button[aria-label]").forEach(function (button) {
    const shown = button.textContent.trim();
    const named = button.getAttribute("aria-label");
    if (shown && !named.startsWith(shown)) {
      button.setAttribute("aria-label", shown + ": " + named.toLowerCase());
    }
  });
  // A long curl command or answer scrolls: the keyboard must be able to reach it.
  root.querySelectorAll(":is(pre.curl, .highlight-code > pre):not([tabindex])")
    .forEach(function (scrolled) {
      scrolled.setAttribute("tabindex", "0");
    });
}

window.addEventListener("DOMContentLoaded", function () {
  const root = document.getElementById("swagger-ui");
  const base = root.dataset.apiBase || "";
  new MutationObserver(function () {
    nameSwaggerUiControls(document.body);
  }).observe(document.body, { childList: true, subtree: true });
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
    // The default theme (agate) shows true, false and numbers at 3.5:1 on its background;
    // this one keeps every colour over WCAG's 4.5:1.
    syntaxHighlight: { theme: "tomorrow-night" },
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
